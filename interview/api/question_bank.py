"""The question bank as a YAML file: read, validate whole, upsert by slug, write back.

The built-in bank comes from the customer's notes: its questions and scenarios
(``interview/bank/questions.yaml``) and its exercises (``interview/bank/exercises.yaml``). An
interviewer's own bank in the same format loads the same way. A file with one bad entry is
refused whole, naming the entry and the field, and nothing of it is loaded. What a file loads
has no owner (``Question.owner``): it is the staff's, like the built-in bank.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from interview.api.serializers import BANK_FIELDS, EXERCISE_FIELDS, BankEntrySerializer
from interview.content.exercises import in_order
from interview.models import Question

DEFAULT_BANK = Path(__file__).resolve().parents[1] / "bank" / "questions.yaml"
EXERCISE_BANK = DEFAULT_BANK.with_name("exercises.yaml")
# What ``loadbank`` loads when it is named no file.
BUILT_IN_BANK = (DEFAULT_BANK, EXERCISE_BANK)


class BankError(ValueError):
    """A bank file that cannot be loaded; the message names the entry and field at fault."""


@dataclass(frozen=True)
class BankLoadReport:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def bank_read(text: str, *, source: str = "bank") -> list[dict]:
    """Parse and validate a bank file's text into clean entries, or raise ``BankError``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BankError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise BankError(f"{source}: the file must be a list of entries.")
    entries: list[dict] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data, start=1):
        label = f"{source}: entry {number}"
        if not isinstance(raw, dict):
            raise BankError(f"{label}: must be a mapping of fields.")
        if isinstance(raw.get("slug"), str):
            label += f" ({raw['slug']})"
        unknown = sorted(set(raw) - set(BANK_FIELDS))
        if unknown:
            raise BankError(f"{label}: unknown field {unknown[0]!r}.")
        serializer = BankEntrySerializer(data=raw)
        if not serializer.is_valid():
            field, problems = next(iter(serializer.errors.items()))
            raise BankError(f"{label}: field {field!r}: {problems[0]}")
        entry = dict(serializer.validated_data)
        entry.setdefault("tags", [])
        entry.setdefault("starter_code", "")
        entry.setdefault("examples", [])
        entry.setdefault("tests", [])
        _slug_kept(entries, seen, entry, (number, label), "repeats entry {}")
    return entries


def _slug_kept(
    entries: list[dict], seen: dict, entry: dict, at: tuple[object, object], repeated: str
) -> None:
    """Append ``entry`` to ``entries`` and note its slug in ``seen`` as found at ``at[0]``;
    or, if ``seen`` has the slug, raise ``BankError`` naming the entry (``at[1]``), the slug
    and where it was first (``repeated``, a template with ``{}`` for that place)."""
    slug = entry["slug"]
    if slug in seen:
        raise BankError(f"{at[1]}: field 'slug': {slug!r} {repeated.format(seen[slug])}.")
    seen[slug] = at[0]
    entries.append(entry)


def bank_read_file(path: Path) -> list[dict]:
    """``bank_read`` on a file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BankError(f"{path}: cannot be read: {exc.strerror}") from exc
    return bank_read(text, source=str(path))


def bank_read_files(paths: list[Path] | tuple[Path, ...]) -> list[dict]:
    """``bank_read_file`` on each file, as one bank: a slug may not repeat across them."""
    entries: list[dict] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for entry in bank_read_file(path):
            _slug_kept(entries, seen, entry, (path, path), "is in {} too")
    return entries


def bank_load(entries: list[dict]) -> BankLoadReport:
    """Upsert validated entries by slug, all or nothing; a second run changes nothing."""
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            question.slug: question
            for question in Question.objects.filter(slug__in=[e["slug"] for e in entries])
        }
        for entry in entries:
            question = existing.get(entry["slug"])
            if question is None:
                Question.objects.create(**entry)
                created += 1
                continue
            changed = [f for f in BANK_FIELDS if getattr(question, f) != entry.get(f)]
            if not changed:
                unchanged += 1
                continue
            for field in changed:
                setattr(question, field, entry[field])
            question.save(update_fields=[*changed, "updated_at"])
            updated += 1
    return BankLoadReport(created=created, updated=updated, unchanged=unchanged)


class _BankDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, so model answers and code stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        # Block scalars cannot keep trailing spaces on a line; strip them so YAML agrees.
        value = "\n".join(line.rstrip() for line in value.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BankDumper.add_representer(str, _represent_str)


def bank_dump(questions: list[Question]) -> str:
    """The bank file text for these questions, loadable by ``bank_read``."""
    entries = []
    for question in questions:
        entry = {field: getattr(question, field) for field in BANK_FIELDS}
        if question.kind == Question.Kind.EXERCISE:
            entry["examples"] = [in_order(test) for test in entry["examples"]]
            entry["tests"] = [in_order(test) for test in entry["tests"]]
        else:
            for field in EXERCISE_FIELDS:
                del entry[field]
        entries.append(entry)
    return yaml.dump(entries, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100)
