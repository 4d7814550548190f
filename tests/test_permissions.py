"""Who may use the interviewer API and change a question (``interview.api.permissions``)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from interview.api.permissions import ChangesOwnQuestions, IsInterviewer
from interview.models import Question

from .conftest import make_interviewer

pytestmark = pytest.mark.django_db


def request_of(user, method: str = "GET") -> SimpleNamespace:
    return SimpleNamespace(user=user, method=method)


def test_only_interviewers_pass_the_interviewer_permission(django_user_model):
    allowed = IsInterviewer()
    assert allowed.has_permission(request_of(make_interviewer("alice")), view=None)
    stranger = django_user_model.objects.create_user(username="mallory")
    assert not allowed.has_permission(request_of(stranger), view=None)
    assert not allowed.has_permission(request_of(AnonymousUser()), view=None)
    assert allowed.message == "Only interviewers may do this."


def test_anyone_reads_a_question_and_only_its_owner_changes_it(bank):
    alice, bob = make_interviewer("alice"), make_interviewer("bob")
    question = Question.objects.order_by("id").first()
    Question.objects.filter(pk=question.pk).update(owner=alice)
    question.refresh_from_db()
    own = ChangesOwnQuestions()
    for method in ("GET", "HEAD", "OPTIONS"):
        assert own.has_object_permission(request_of(bob, method), None, question)
    for method in ("PUT", "PATCH", "DELETE"):
        assert own.has_object_permission(request_of(alice, method), None, question)
        assert not own.has_object_permission(request_of(bob, method), None, question)
