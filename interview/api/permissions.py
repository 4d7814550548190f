"""Who may use the interviewer API, and who may change a question of the bank."""

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

from interview.domain.roles import is_interviewer, may_change_question

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is half-loaded.
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from interview.models import Question


class IsInterviewer(BasePermission):
    message = "Only interviewers may do this."

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return is_interviewer(request.user)


class ChangesOwnQuestions(BasePermission):
    message = "Only its owner may change this question; the built-in bank is the staff's."

    def has_object_permission(self, request: "Request", view: "APIView", obj: "Question") -> bool:
        return request.method in SAFE_METHODS or may_change_question(request.user, obj)
