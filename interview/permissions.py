"""Who may use the interviewer API."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is half-loaded.
    from rest_framework.request import Request
    from rest_framework.views import APIView

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
