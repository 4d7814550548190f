from django.urls import path, re_path

from . import views
from .sandbox import exercises_harness, sandbox

urlpatterns = [
    path("", views.landing, name="landing"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/join/<str:code>/", views.panel_join, name="panel-join"),
    path("dashboard/s/<str:code>/", views.panel_live, name="panel-live"),
    path("s/<str:code>/", views.candidate, name="candidate"),
    re_path(r"^s/(?P<code>[^/]+)/watch/?$", views.watch, name="watch"),
    re_path(r"^s/(?P<code>[^/]+)/results/?$", views.results, name="results"),
    # Where people's Python runs, framed by the pages that run it (frontend/sandbox).
    path("sandbox/", sandbox, name="sandbox"),
    # The exercises' tests harness (interview/content/exercises.py), run in that sandbox.
    path("sandbox/exercises.py", exercises_harness, name="exercises-harness"),
]
