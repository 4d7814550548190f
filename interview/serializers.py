"""The HTTP API's shapes, and the validation of bank entries (API and bank files alike)."""

from rest_framework import serializers

from .fields import IdField
from .models import InterviewSession, Question
from .rendering import key_points_html, markdown_html

# A question's texts at most (issue 18: a push of 1 MB texts took seconds, and every
# spectator got 2 MB): through the API, bank files and the admin alike, which all validate here.
MAX_PROMPT_CHARS = 20_000
MAX_MODEL_ANSWER_CHARS = 50_000

BANK_FIELDS = [
    "slug",
    "kind",
    "category",
    "difficulty",
    "title",
    "prompt",
    "model_answer",
    "key_points",
    "tags",
    "time_limit_s",
]


def _strings(value: object, *, field: str, low: int, high: int, max_length: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise serializers.ValidationError(f"{field} must be a list of strings.")
    items = [item.strip() for item in value]
    if any(not item for item in items):
        raise serializers.ValidationError(f"{field} must not contain blank entries.")
    if not low <= len(items) <= high:
        raise serializers.ValidationError(f"{field} must have {low} to {high} entries.")
    if any(len(item) > max_length for item in items):
        raise serializers.ValidationError(f"each of {field} is at most {max_length} characters.")
    return items


def _tidy_lines(text: str) -> str:
    """Text without trailing spaces on its lines: a bank file round-trips unchanged."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


class QuestionSerializer(serializers.ModelSerializer):
    """A bank entry, as the API serves it and as bank files hold it."""

    difficulty = serializers.IntegerField(min_value=1, max_value=3)
    time_limit_s = serializers.IntegerField(min_value=10, max_value=3600, default=300)
    key_points = serializers.JSONField()
    tags = serializers.JSONField(required=False)
    # Who may edit or delete it (user name); null for the built-in bank, which staff keep.
    owner = serializers.CharField(source="owner.get_username", read_only=True, allow_null=True)

    class Meta:
        model = Question
        fields = ["id", *BANK_FIELDS, "owner", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "prompt": {"max_length": MAX_PROMPT_CHARS},
            "model_answer": {"max_length": MAX_MODEL_ANSWER_CHARS},
        }

    def validate_key_points(self, value: object) -> list[str]:
        return _strings(value, field="key_points", low=1, high=10, max_length=300)

    def validate_tags(self, value: object) -> list[str]:
        tags = _strings(value, field="tags", low=0, high=12, max_length=40)
        return [tag.lower() for tag in tags]

    def validate_prompt(self, value: str) -> str:
        return _tidy_lines(value)

    def validate_model_answer(self, value: str) -> str:
        return _tidy_lines(value)


class QuestionPreviewSerializer(QuestionSerializer):
    """A bank entry with its Markdown rendered, as a round would show it (``rendering``)."""

    prompt_html = serializers.SerializerMethodField()
    model_answer_html = serializers.SerializerMethodField()
    key_points_html = serializers.SerializerMethodField()

    class Meta(QuestionSerializer.Meta):
        fields = [*QuestionSerializer.Meta.fields, "prompt_html", "model_answer_html"]
        fields += ["key_points_html"]

    def get_prompt_html(self, question: Question) -> str:
        return markdown_html(question.prompt)

    def get_model_answer_html(self, question: Question) -> str:
        return markdown_html(question.model_answer)

    def get_key_points_html(self, question: Question) -> list[str]:
        return key_points_html(question.key_points)


class SessionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    question_ids = serializers.ListField(child=IdField(), required=False, max_length=200)
    time_limit_s = serializers.IntegerField(min_value=10, max_value=3600, required=False)
    ranking = serializers.ChoiceField(
        choices=InterviewSession.Ranking.choices,
        default=InterviewSession.Ranking.TOTAL,
        help_text="How the leaderboard ranks: `total`, the sum of the candidate's answer scores"
        " (the default), or `mean`, their mean over the questions asked while they were"
        " present. Ties go to more questions answered.",
    )


class SessionSerializer(serializers.ModelSerializer):
    """A session as its panel sees it in lists."""

    owner = serializers.CharField(source="owner.get_username", read_only=True)

    class Meta:
        model = InterviewSession
        fields = [
            "code",
            "title",
            "status",
            "owner",
            "ranking",
            "settings",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PlannedQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    category = serializers.CharField()
    difficulty = serializers.IntegerField()
    time_limit_s = serializers.IntegerField()


class SessionDetailSerializer(SessionSerializer):
    """A session as its panel opens it: with its plan (``settings.question_ids`` as the bank
    has them now) and the ids of the questions its rounds asked, in order."""

    plan = PlannedQuestionSerializer(many=True, read_only=True)
    asked = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "plan", "asked"]
        read_only_fields = fields


class SessionCreatedSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    ranking = serializers.CharField()
    join_url = serializers.URLField()
    spectate_url = serializers.URLField()
    panel_invite_url = serializers.URLField()
    interviewer_token = serializers.CharField()
    participant_id = serializers.IntegerField()
    ws_url = serializers.CharField()


class JoinSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=["candidate", "spectator", "interviewer"])
    invite = serializers.CharField(required=False, allow_blank=True, max_length=200)


class JoinedSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    role = serializers.CharField()
    display_name = serializers.CharField()
    token = serializers.CharField()
    ws_url = serializers.CharField()


class BankEntrySerializer(QuestionSerializer):
    """A bank file's entry: the slug may exist already, since loading upserts by it."""

    slug = serializers.SlugField(max_length=80)
