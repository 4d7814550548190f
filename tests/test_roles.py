"""Who is an interviewer, and who may change a question (``interview.domain.roles``)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from interview.domain.roles import is_interviewer, may_change_question
from interview.models import Question

from .conftest import make_interviewer

pytestmark = pytest.mark.django_db


def test_an_interviewer_is_a_member_of_the_group_or_a_superuser(django_user_model):
    assert is_interviewer(make_interviewer("alice"))
    boss = django_user_model.objects.create_superuser(username="boss", password="x")
    assert is_interviewer(boss)
    assert not is_interviewer(django_user_model.objects.create_user(username="mallory"))
    assert not is_interviewer(AnonymousUser())
    assert not is_interviewer(None)


def test_a_question_is_changed_by_its_owner_and_the_built_in_bank_by_staff(bank):
    alice, bob = make_interviewer("alice"), make_interviewer("bob")
    mine = Question.objects.order_by("id").first()
    Question.objects.filter(pk=mine.pk).update(owner=alice)
    mine.refresh_from_db()
    assert may_change_question(alice, mine)
    assert not may_change_question(bob, mine)
    built_in = Question.objects.filter(owner=None).first()
    assert not may_change_question(alice, built_in)
    bob.is_staff = True
    assert may_change_question(bob, built_in)
    assert not may_change_question(bob, mine)  # staff keep the built-in bank, not others'
