"""The HTTP API's shapes, and the validation of bank entries (API and bank files alike)."""

import json

from rest_framework import serializers

from interview.content import exercises
from interview.content.rendering import key_points_html, markdown_html
from interview.domain.fields import IdField
from interview.models import InterviewSession, Question

# A question's texts at most: a push sends them (rendered as well) to every socket of the room,
# so unbounded texts would make a push slow and every spectator's download large. Through the
# API, bank files and the admin alike, which all validate here.
MAX_PROMPT_CHARS = 20_000
MAX_MODEL_ANSWER_CHARS = 50_000

# An exercise's own fields (``Question``'s docstring): blank and empty for the other kinds, and
# left out of their entries in a bank file.
EXERCISE_FIELDS = ["starter_code", "examples", "tests"]
# Bounds on an exercise: a screenful of starter code, and tests a browser runs in a blink.
STARTER_CODE_MAX = 10_000
EXAMPLES_MAX = 20
TESTS_MAX = 50
# Characters of a list of tests as JSON, whatever its parts: what round.opened carries.
TESTS_JSON_MAX = 64_000

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
    *EXERCISE_FIELDS,
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


class ExerciseTestSerializer(serializers.Serializer):
    """One test of an exercise, in the format of ``interview.content.exercises`` (which
    validates it): ``call`` must equal the literal ``expected``, or raise the exception named
    ``raises``."""

    name = serializers.CharField(max_length=exercises.NAME_MAX)
    setup = serializers.CharField(
        required=False, max_length=exercises.SETUP_MAX, help_text="statements run first"
    )
    call = serializers.CharField(
        max_length=exercises.CALL_MAX, help_text="one expression: the test's result"
    )
    expected = serializers.CharField(
        required=False, max_length=exercises.EXPECTED_MAX, help_text="a Python literal"
    )
    raises = serializers.CharField(
        required=False, max_length=exercises.RAISES_MAX, help_text="an exception class's name"
    )

    def to_internal_value(self, data: object) -> dict[str, str]:
        problems = exercises.shape_problems(data)
        if problems:
            raise serializers.ValidationError(problems[0])
        test = {"name": data["name"].strip()}
        if data.get("setup", "").strip():
            test["setup"] = _tidy_lines(data["setup"])
        test["call"] = _tidy_lines(data["call"])
        for key in ("expected", "raises"):
            if key in data:
                test[key] = data[key].strip()
        return test

    def to_representation(self, instance: dict) -> dict:
        return exercises.in_order(instance)


def _tests(value: list[dict], *, field: str) -> list[dict]:
    if len(json.dumps(value)) > TESTS_JSON_MAX:
        raise serializers.ValidationError(f"{field} are at most {TESTS_JSON_MAX} characters.")
    return value


class QuestionSerializer(serializers.ModelSerializer):
    """A bank entry, as the API serves it and as bank files hold it."""

    difficulty = serializers.IntegerField(min_value=1, max_value=3)
    time_limit_s = serializers.IntegerField(min_value=10, max_value=3600, default=300)
    key_points = serializers.JSONField()
    tags = serializers.JSONField(required=False)
    # Who may edit or delete it (user name); null for the built-in bank, which staff keep.
    owner = serializers.CharField(source="owner.get_username", read_only=True, allow_null=True)
    # An exercise's; see ``Question``.
    starter_code = serializers.CharField(
        required=False, allow_blank=True, max_length=STARTER_CODE_MAX, trim_whitespace=False
    )
    examples = serializers.ListField(
        child=ExerciseTestSerializer(),
        required=False,
        max_length=EXAMPLES_MAX,
        help_text="tests the candidate sees and runs",
    )
    tests = serializers.ListField(
        child=ExerciseTestSerializer(),
        required=False,
        max_length=TESTS_MAX,
        help_text="hidden tests: the panel's alone, never a candidate's or spectator's",
    )

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

    def validate_starter_code(self, value: str) -> str:
        return _tidy_lines(value)

    def validate_examples(self, value: list[dict]) -> list[dict]:
        return _tests(value, field="examples")

    def validate_tests(self, value: list[dict]) -> list[dict]:
        return _tests(value, field="tests")

    def validate(self, attrs: dict) -> dict:
        """An exercise has starter code, an example and a hidden test, with names of their
        own; the other kinds have none of them."""
        current = self.instance

        def value(field: str, default: object) -> object:
            if field in attrs:
                return attrs[field]
            return getattr(current, field) if current is not None else default

        kind = value("kind", Question.Kind.QUESTION)
        starter_code, examples, tests = (
            value("starter_code", ""),
            value("examples", []),
            value("tests", []),
        )
        if kind != Question.Kind.EXERCISE:
            for field, given in (("starter_code", starter_code), ("examples", examples)):
                if given:
                    raise serializers.ValidationError({field: f"only an exercise has {field}."})
            if tests:
                raise serializers.ValidationError({"tests": "only an exercise has tests."})
            return attrs
        if not starter_code:
            raise serializers.ValidationError({"starter_code": "an exercise needs starter code."})
        if not examples:
            raise serializers.ValidationError({"examples": "an exercise needs an example."})
        if not tests:
            raise serializers.ValidationError({"tests": "an exercise needs a hidden test."})
        names = [test["name"] for test in [*examples, *tests]]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            field = "tests" if any(t["name"] == twice[0] for t in tests) else "examples"
            raise serializers.ValidationError({field: f"the name {twice[0]!r} is used twice."})
        return attrs


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
    show_verdicts = serializers.BooleanField(
        default=False,
        help_text="Whether the room (candidates and spectators) sees how many tests each"
        " exercise answer passes, as the panel's browsers find; never which tests fail. Off"
        " by default; the panel always sees the verdicts.",
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
            "show_verdicts",
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
    show_verdicts = serializers.BooleanField()
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
