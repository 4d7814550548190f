from django.contrib import admin

from .models import Answer, AnswerRevision, InterviewSession, Participant, Question, Round, Score


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "difficulty", "kind", "time_limit_s"]
    list_filter = ["category", "difficulty", "kind"]
    search_fields = ["title", "prompt", "slug"]
    prepopulated_fields = {"slug": ["title"]}


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["display_name", "role", "user", "created_at", "last_seen_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class RoundInline(admin.TabularInline):
    model = Round
    fields = ["position", "question", "opened_at", "deadline", "closed_at", "close_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(InterviewSession)
class InterviewSessionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "owner", "status", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["code", "title", "owner__username"]
    readonly_fields = ["code", "panel_invite_hash", "last_seq", "created_at"]
    inlines = [ParticipantInline, RoundInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "role", "session", "created_at", "last_seen_at"]
    list_filter = ["role"]
    search_fields = ["display_name", "session__code"]
    # The hash is useless to a reader and tempting to copy around: keep it out of sight.
    exclude = ["token_hash"]
    readonly_fields = ["session", "user", "created_at", "last_seen_at"]


class RevisionInline(admin.TabularInline):
    model = AnswerRevision
    readonly_fields = ["revision", "text", "submitted_at"]
    extra = 0
    can_delete = False


class ScoreInline(admin.TabularInline):
    model = Score
    readonly_fields = ["interviewer", "score", "feedback", "updated_at"]
    extra = 0
    can_delete = False


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["participant", "round", "revision", "submitted_at"]
    search_fields = ["participant__display_name", "round__session__code", "text"]
    readonly_fields = [
        "round",
        "participant",
        "revision",
        "first_submitted_at",
        "submitted_at",
        "score_sum",
        "score_count",
    ]
    inlines = [RevisionInline, ScoreInline]
