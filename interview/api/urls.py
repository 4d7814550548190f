from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from interview.api import views
from interview.api.errors import json_not_found

router = DefaultRouter(trailing_slash="/?")
router.register("questions", views.QuestionViewSet, basename="question")
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    path("sessions/<str:code>/join", views.JoinView.as_view(), name="session-join"),
    path("sessions/<str:code>/results", views.ResultsView.as_view(), name="session-results"),
    path(
        "sessions/<str:code>/results.csv",
        views.ResultsCsvView.as_view(),
        name="session-results-csv",
    ),
    path("sessions/<str:code>/timeline", views.TimelineView.as_view(), name="session-timeline"),
    path("sessions/<str:code>/playback", views.PlaybackView.as_view(), name="session-playback"),
    path(
        "sessions/<str:code>/my-results",
        views.CandidateResultsView.as_view(),
        name="session-my-results",
    ),
    *router.urls,
    # Exempt: CSRF's own refusal is an HTML page, and this view changes nothing.
    re_path(r"^.*$", csrf_exempt(json_not_found)),
]
