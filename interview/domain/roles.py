"""Who is an interviewer, and who may change a question of the bank."""

from django.contrib.auth.models import AbstractBaseUser

from interview.models import Question

INTERVIEWERS_GROUP = "interviewers"


def is_interviewer(user: AbstractBaseUser) -> bool:
    """A signed-in user of the interviewers group, or a superuser."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=INTERVIEWERS_GROUP).exists()


def may_change_question(user: AbstractBaseUser, question: Question) -> bool:
    """Its owner may edit or delete a question; the built-in bank (no owner) is the staff's."""
    if question.owner_id is None:
        return user.is_staff
    return question.owner_id == user.pk
