"""Who may use the interviewer API, and who may change a question of the bank."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.permissions import SAFE_METHODS, BasePermission

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is half-loaded.
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from .models import Question

INTERVIEWERS_GROUP = "interviewers"


def is_interviewer(user: AbstractBaseUser) -> bool:
    """A signed-in user of the interviewers group, or a superuser."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=INTERVIEWERS_GROUP).exists()


class IsInterviewer(BasePermission):
    message = "Only interviewers may do this."

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return is_interviewer(request.user)


def may_change_question(user: AbstractBaseUser, question: "Question") -> bool:
    """Its owner may edit or delete a question; the built-in bank (no owner) is the staff's."""
    if question.owner_id is None:
        return user.is_staff
    return question.owner_id == user.pk


class ChangesOwnQuestions(BasePermission):
    message = "Only its owner may change this question; the built-in bank is the staff's."

    def has_object_permission(self, request: "Request", view: "APIView", obj: "Question") -> bool:
        return request.method in SAFE_METHODS or may_change_question(request.user, obj)
