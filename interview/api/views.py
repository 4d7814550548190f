"""The HTTP API: bank CRUD, sessions, joins and results. Thin: validate, call, shape."""

import csv
import io

from django.db.models import ProtectedError, QuerySet
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from interview.api import throttles
from interview.api.permissions import ChangesOwnQuestions, IsInterviewer
from interview.api.results_csv import RESULTS_CSV_HEADER, results_csv_rows
from interview.api.results_json import my_results_document, results_document
from interview.api.serializers import (
    JoinedSerializer,
    JoinSerializer,
    QuestionPreviewSerializer,
    QuestionSerializer,
    SessionCreatedSerializer,
    SessionCreateSerializer,
    SessionDetailSerializer,
    SessionSerializer,
)
from interview.domain import selectors, services, throttling, timeline
from interview.domain.errors import Refusal
from interview.domain.fields import ID_MAX, IdField
from interview.domain.payloads import session_heading
from interview.domain.roles import is_interviewer
from interview.domain.visibility import Viewer
from interview.models import InterviewSession, Participant, Question


def session_by_code(request: Request, code: str) -> InterviewSession:
    """The session with this join code (any case, dashes ignored), or a 404; an unknown code
    counts against the address's guesses, and past them every code is a 429."""
    try:
        session = throttling.session_for_guess(code, throttling.request_address(request))
    except throttling.TooManyGuessesError as exc:
        raise Throttled(wait=exc.wait_s) from exc
    if session is None:
        raise NotFound("No session with this code.")
    return session


def panel_seat(request: Request, session: InterviewSession) -> Participant:
    """The requesting interviewer's seat on the session's panel; 403 without one."""
    seat = Participant.objects.filter(
        session=session, user=request.user, role=Participant.Role.INTERVIEWER
    ).first()
    if seat is None:
        raise Refusal("forbidden", "You are not on this session's panel.")
    return seat


def panel_session(request: Request, code: str) -> InterviewSession:
    """The session, if the requesting interviewer sits on its panel; 404 or 403 otherwise."""
    session = session_by_code(request, code)
    panel_seat(request, session)
    return session


def finished_candidate(request: Request, session: InterviewSession) -> Participant:
    """The candidate whose participant token the ``X-Participant-Token`` header holds, once
    the session has finished: 401, 403 or 409 otherwise."""
    participant = selectors.participant_for_token(
        session_id=session.id, token=request.headers.get("X-Participant-Token", "")
    )
    if participant is None:
        raise Refusal("not_authenticated", "Send your participant token.")
    if participant.role != Participant.Role.CANDIDATE:
        raise Refusal("forbidden", "These results are for candidates.")
    if session.status != InterviewSession.Status.FINISHED:
        raise Refusal("not_finished", "Results with model answers open when the session finishes.")
    return participant


def path_id(value: str) -> int:
    """An id from the URL, bounded like every id (400 ``invalid``): the database refuses a
    number beyond its keys with an error, not a miss."""
    try:
        return IdField().run_validation(value)
    except ValidationError as exc:
        raise ValidationError({"id": exc.detail}) from exc


def absolute(request: Request, path: str, *, websocket: bool = False) -> str:
    url = request.build_absolute_uri(path)
    if websocket:
        url = "ws" + url.removeprefix("http")
    return url


class Pagination(PageNumberPagination):
    """Pages of 20 by default; a dashboard may ask for up to 100 with ``page_size``."""

    page_size_query_param = "page_size"
    max_page_size = 100


class QuestionViewSet(viewsets.ModelViewSet):
    """The question bank: list, search, filter, create; edit and delete one's own questions."""

    serializer_class = QuestionSerializer
    pagination_class = Pagination
    permission_classes = [IsInterviewer, ChangesOwnQuestions]
    queryset = Question.objects.select_related("owner").order_by("id")
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    filterset_fields = ["category", "difficulty", "kind"]
    search_fields = ["title", "prompt", "slug", "tags"]
    ordering_fields = ["id", "difficulty", "category", "title"]

    def get_object(self) -> Question:
        self.kwargs["pk"] = path_id(self.kwargs["pk"])
        return super().get_object()

    def perform_create(self, serializer: QuestionSerializer) -> None:
        serializer.save(owner=self.request.user)

    @extend_schema(responses={200: QuestionPreviewSerializer})
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        """The question with its Markdown rendered, as a round would show it: read before
        pushing it, which this changes nothing of."""
        return Response(QuestionPreviewSerializer(self.get_object()).data)

    def perform_destroy(self, instance: Question) -> None:
        try:
            instance.delete()
        except ProtectedError as exc:
            raise Refusal(
                "in_use", "This question was asked in a session; it cannot be deleted."
            ) from exc


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="Join code")]
    )
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The sessions whose panel the interviewer sits on, and new sessions."""

    serializer_class = SessionSerializer
    pagination_class = Pagination
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[InterviewSession]:
        return InterviewSession.objects.filter(
            participants__user=self.request.user,
            participants__role=Participant.Role.INTERVIEWER,
        ).select_related("owner")

    def get_object(self) -> InterviewSession:
        return panel_session(self.request, self.kwargs["code"])

    @extend_schema(responses={200: SessionDetailSerializer})
    def retrieve(self, request: Request, code: str) -> Response:
        """A session with its plan and the questions it asked: what "Up next" and "Run again"
        start from."""
        session = self.get_object()
        session.plan = selectors.plan_of(session)
        session.asked = selectors.questions_asked(session)
        return Response(SessionDetailSerializer(session).data)

    def get_throttles(self) -> list:
        return [throttles.SessionCreateThrottle()] if self.action == "create" else []

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Open a new session in the lobby; the response's token is shown only once."""
        form = SessionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        created = services.session_create(owner=request.user, **form.validated_data)
        session = created.session
        body = {
            **session_heading(session),
            "show_verdicts": session.show_verdicts,
            "join_url": absolute(request, f"/s/{session.code}/"),
            "spectate_url": absolute(request, f"/s/{session.code}/watch"),
            # The invite secret rides in the fragment, which browsers never send to servers.
            "panel_invite_url": absolute(
                request, f"/dashboard/join/{session.code}/#invite={created.panel_invite}"
            ),
            "interviewer_token": created.owner.token,
            "participant_id": created.owner.participant.id,
            "ws_url": absolute(request, f"/ws/sessions/{session.code}/", websocket=True),
        }
        return Response(SessionCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


class JoinView(APIView):
    """Take a seat in a session with its code; rate-limited per client address."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "join"

    @extend_schema(request=JoinSerializer, responses={201: JoinedSerializer})
    def post(self, request: Request, code: str) -> Response:
        form = JoinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        session = session_by_code(request, code)
        issued = services.participant_join(
            session=session,
            role=form.validated_data["role"],
            display_name=form.validated_data.get("display_name", ""),
            user=request.user,
            invite=form.validated_data.get("invite", ""),
        )
        body = {
            "participant_id": issued.participant.id,
            "role": issued.participant.role,
            "display_name": issued.participant.display_name,
            "token": issued.token,
            "ws_url": absolute(request, f"/ws/sessions/{session.code}/", websocket=True),
        }
        return Response(JoinedSerializer(body).data, status=status.HTTP_201_CREATED)


class ResultsView(APIView):
    """Per-candidate totals, per-round scores and feedback, per-category breakdown."""

    throttle_classes = [throttles.ReadThrottle]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, code: str) -> Response:
        return Response(results_document(selectors.results_for(panel_session(request, code))))


class ResultsCsvView(APIView):
    """The results as CSV: a row per candidate, round and interviewer score."""

    throttle_classes = [throttles.ReadThrottle]

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")}
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        session = panel_session(request, code)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(RESULTS_CSV_HEADER)
        writer.writerows(results_csv_rows(selectors.results_for(session)))
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="results-{session.code}.csv"'
        return response


class CandidateResultsView(APIView):
    """A candidate's own results beside the model answers, once the session has finished.

    Authenticated by the participant token in the ``X-Participant-Token`` header (never the
    URL), since candidates have no accounts.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [throttles.ReadThrottle]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, code: str) -> Response:
        session = session_by_code(request, code)
        mine = selectors.candidate_results(finished_candidate(request, session))
        return Response(my_results_document(mine))


class TimelineQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, max_value=ID_MAX, default=0)
    limit = serializers.IntegerField(
        min_value=1, max_value=timeline.MAX_PAGE_SIZE, default=timeline.PAGE_SIZE
    )


class TimelineView(APIView):
    """The session's timeline in pages of events after ``after`` (a ``seq``): everything for
    its panel; for a candidate (``X-Participant-Token``, once finished) their own part."""

    permission_classes = [AllowAny]
    throttle_classes = [throttles.ReadThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="The seq after which the page starts"),
            OpenApiParameter("limit", int, description=f"At most {timeline.MAX_PAGE_SIZE}"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, code: str) -> Response:
        query = TimelineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        session = session_by_code(request, code)
        if "X-Participant-Token" in request.headers:
            participant = finished_candidate(request, session)
        elif is_interviewer(request.user):
            participant = panel_seat(request, session)
        elif request.user.is_authenticated:
            raise Refusal("forbidden", "You are not on this session's panel.")
        else:
            raise Refusal("not_authenticated", "Sign in, or send your participant token.")
        viewer = Viewer.of(participant)
        page = timeline.timeline_page(session, viewer, **query.validated_data)
        following = None
        if page.next_after is not None:
            following = request.build_absolute_uri(
                f"{request.path}?after={page.next_after}&limit={query.validated_data['limit']}"
            )
        return Response({"next": following, "results": page.items})


class PlaybackQuery(serializers.Serializer):
    round_id = IdField()
    participant_id = IdField()


class PlaybackView(APIView):
    """How one candidate's answer to one round was written: the snapshots of their draft and
    their revisions, each timed from the push. The panel's alone, like the drafts."""

    @extend_schema(
        parameters=[
            OpenApiParameter("round_id", int, required=True, description="The round"),
            OpenApiParameter("participant_id", int, required=True, description="The candidate"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, code: str) -> Response:
        query = PlaybackQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        session = session_by_code(request, code)
        seat = panel_seat(request, session)
        viewer = Viewer.of(seat)
        playback = timeline.playback_for(session, viewer, **query.validated_data)
        if playback is None:
            raise NotFound("No such round in this session.")
        return Response(playback)
