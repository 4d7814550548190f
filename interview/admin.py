"""The admin: the question bank to edit, the sessions' state to read.

A session's state changes only through the services, each change with its event and its
revision (one path for every change); the admin writing it would leave clients and replays
behind. So sessions, participants, rounds, answers, scores and events are shown, never added,
changed or deleted here. Questions are edited with the API's validation.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from interview.api.serializers import BANK_FIELDS, EXERCISE_FIELDS, QuestionSerializer
from interview.models import (
    Answer,
    AnswerRevision,
    Event,
    InterviewSession,
    Participant,
    PersonalDeadline,
    Question,
    Round,
    Score,
)


class QuestionAdminForm(forms.ModelForm):
    """A bank entry, validated and tidied by the API's serializer: one definition of valid."""

    class Meta:
        model = Question
        fields = [*BANK_FIELDS, "owner"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:  # a field that did not even parse: its own message says enough
            return cleaned
        data = {field: cleaned.get(field) for field in BANK_FIELDS}
        for field in EXERCISE_FIELDS:  # an empty box: none of them (not every kind has them)
            if data[field] is None:
                data[field] = "" if field == "starter_code" else []
        serializer = QuestionSerializer(
            instance=self.instance if self.instance.pk else None, data=data
        )
        if not serializer.is_valid():
            for field, problems in serializer.errors.items():
                self.add_error(field if field in self.fields else None, problems)
            return cleaned
        cleaned.update(serializer.validated_data)
        return cleaned


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ["title", "category", "difficulty", "kind", "time_limit_s", "owner"]
    list_filter = ["category", "difficulty", "kind"]
    search_fields = ["title", "prompt", "slug"]
    prepopulated_fields = {"slug": ["title"]}


class ReadOnly:
    """Shown, never added, changed or deleted: see the module's docstring."""

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        """Every field shown, as text (fields the model keeps to itself included)."""
        if self.fields:
            return list(self.fields)
        hidden = set(self.exclude or ())
        return [
            field.name
            for field in self.model._meta.fields
            if not field.auto_created and field.name not in hidden
        ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ParticipantInline(ReadOnly, admin.TabularInline):
    model = Participant
    fields = ["display_name", "role", "user", "extra_time_pct", "created_at", "last_seen_at"]
    extra = 0


class RoundInline(ReadOnly, admin.TabularInline):
    model = Round
    fields = ["position", "title", "question", "opened_at", "deadline", "closed_at", "close_reason"]
    extra = 0


@admin.register(InterviewSession)
class InterviewSessionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "title", "owner", "status", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["code", "title", "owner__username"]
    # The invite's hash is useless to a reader and tempting to copy around.
    exclude = ["panel_invite_hash"]
    inlines = [ParticipantInline, RoundInline]


@admin.register(Participant)
class ParticipantAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["display_name", "role", "session", "created_at", "last_seen_at"]
    list_filter = ["role"]
    search_fields = ["display_name", "session__code"]
    # The token's hash, likewise.
    exclude = ["token_hash"]


class PersonalDeadlineInline(ReadOnly, admin.TabularInline):
    model = PersonalDeadline
    fields = ["participant", "deadline"]
    extra = 0


@admin.register(Round)
class RoundAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["session", "position", "title", "opened_at", "closed_at", "close_reason"]
    search_fields = ["session__code", "title"]
    inlines = [PersonalDeadlineInline]


class RevisionInline(ReadOnly, admin.TabularInline):
    model = AnswerRevision
    fields = ["revision", "text", "submitted_at", "coverage"]
    extra = 0


class ScoreInline(ReadOnly, admin.TabularInline):
    model = Score
    fields = ["interviewer", "score", "feedback", "updated_at"]
    extra = 0


@admin.register(Answer)
class AnswerAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["participant", "round", "revision", "submitted_at"]
    search_fields = ["participant__display_name", "round__session__code", "text"]
    inlines = [RevisionInline, ScoreInline]


@admin.register(Score)
class ScoreAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["answer", "interviewer", "score", "updated_at"]
    search_fields = ["interviewer__display_name", "answer__round__session__code"]


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["session", "seq", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["session__code"]
