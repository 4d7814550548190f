"""Key-point coverage: which of a question's key points an answer appears to cover.

The panel's hint while it listens, never a verdict: computed on the server for every stored
revision of an answer, shown to the panel only (``visibility``), and a suggested score the
interviewer may take or leave. Deterministic, and cheap enough to run on every revision
(``bench/coverage_cost.py`` times it against its target; docs/benchmarks.md). The method:

1. **Normalise.** NFKC, case-folded; words are runs of letters and digits.
2. **Terms of a key point.** Its code identifiers (``select_related``, ``@shared_task``,
   ``transaction.atomic()``, ``QuerySet.update()``, ``ModelSerializer``,
   ``DEFAULT_PAGINATION_CLASS``: a token with an underscore, an inner capital, a ``@`` before,
   ``()`` after or a dot inside) weigh ``IDENTIFIER_WEIGHT``; its other words weigh
   ``WORD_WEIGHT`` once stop words (English function words and the key points' own phrasing:
   "uses", "e.g.", "such as") are dropped and the rest stemmed (``stem``, a small suffix
   stripper).
3. **Match.** An identifier is present when the answer writes it as one word
   (``selectrelated``, ``SelectRelated``) or as its words in a row (``select_related``,
   ``select related``, ``QuerySet.update`` in ``qs = QuerySet.update(...)``,
   ``transaction.atomic`` in ``django.db.transaction.atomic``; ``ModelSerializer`` also as
   ``model serializer``). A word is present when the answer has its stem; or, for a word of
   ``FUZZY_WORD_MIN_CHARS`` letters or more, when one of the answer's words is close to it as
   written, or one of its stems to its stem (rapidfuzz's ``ratio`` at least ``FUZZY_WORD``):
   a typo (``invalidatoin``), another inflection.
4. **Covered.** A key point is covered when its present terms weigh at least
   ``COVERED_SHARE`` of all its terms and are at least ``MIN_TERMS_PRESENT`` different terms.
   An answer of fewer than ``MIN_ANSWER_WORDS`` different words (split at white space)
   covers nothing: an empty or one-word answer, ``my_decorator(say_hello)`` included.

The suggested score is on ``answer.score``'s scale, a whole number from 0 to 10: ten times
the share of key points covered, rounded half up (3 of 4 → 8). A question without key points
suggests nothing (``None``).

**Bounded work** (any answer against any question, a few milliseconds at worst:
``bench/coverage_cost.py``). An answer is read up to its ``MAX_ANSWER_WORDS``-th word (the rest
is not looked at); a key point's word is compared fuzzily only with the answer's words and
stems of a length that could reach ``FUZZY_WORD`` (rapidfuzz's ``ratio`` cannot, between
lengths further apart); and an answer's fuzzy step compares at most ``FUZZY_BUDGET`` pairs in
all, key point by key point: past it a word is present only by its stem. An identifier's run
of words is searched for only when the answer has each of its words.

Measured on the bank by ``tests/test_coverage.py`` and reported in ``docs/protocol.md``.
"""

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, TypedDict

from rapidfuzz import fuzz, process

IDENTIFIER_WEIGHT = 2
WORD_WEIGHT = 1
COVERED_SHARE = 0.4
MIN_TERMS_PRESENT = 2
MIN_ANSWER_WORDS = 2
FUZZY_WORD = 84
FUZZY_WORD_MIN_CHARS = 5
SCORE_MAX = 10
# The bounds on an answer's work (the module's docstring, "Bounded work").
MAX_ANSWER_WORDS = 1_500
FUZZY_BUDGET = 10_000

# English function words, and the words key points use to phrase a point rather than make it.
_STOP_WORDS_TEXT = """
    a about above after again against all also an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    else etc few for from further had has have having here how if in into is it its itself just
    more most much must no nor not now of off on once one only or other others our out over own
    per rather same should so some such than that the their them then there these they this
    those through to too under until up upon very via was we well were what when where which
    while who whom why will with within without would yet you your
    e g eg ie example examples instance like mentions uses use using used bonus typical typically
    plus need needs needed
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"[0-9a-z]+")
# A candidate identifier as written, before case-folding: decorated, dotted or plain.
_IDENTIFIER = re.compile(r"@?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

# Suffixes stripped by ``stem``, longest first within each step.
_PLURALS = (("sses", "ss"), ("ies", "y"), ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", ""))
_DERIVATIONS = (
    ("izations", ""),
    ("isations", ""),
    ("ization", ""),
    ("isation", ""),
    ("ational", ""),
    ("ations", ""),
    ("ation", ""),
    ("izing", ""),
    ("ising", ""),
    ("ating", ""),
    ("ments", ""),
    ("ment", ""),
    ("ness", ""),
    ("ized", ""),
    ("ised", ""),
    ("ated", ""),
    ("ing", ""),
    ("ize", ""),
    ("ise", ""),
    ("ate", ""),
    ("ed", ""),
    ("er", ""),
    ("ly", ""),
)
_STEM_MIN = 3
# Whether any suffix of a step ends the word, in one call: most words have none.
_PLURAL_ENDINGS = tuple(suffix for suffix, _ in _PLURALS)
_DERIVATION_ENDINGS = tuple(suffix for suffix, _ in _DERIVATIONS)


class Coverage(TypedDict):
    points: list[bool]
    suggested_score: int | None


def normalise(text: str) -> str:
    """NFKC, case-folded: full-width letters, ligatures and case no longer matter."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """A word's stem by a small suffix stripper: a plural ending, then one derivational ending,
    then a final ``e`` or ``y`` and a doubled consonant, each only while three letters remain
    (``caching``, ``caches`` and ``cached`` are ``cach``; ``migrations`` and ``migrate`` are
    ``migr``; ``logging`` and ``log`` are ``log``)."""
    for suffix, replacement in _PLURALS if word.endswith(_PLURAL_ENDINGS) else ():
        if word.endswith(suffix) and len(word) - len(suffix) >= _STEM_MIN:
            word = word[: len(word) - len(suffix)] + replacement
            break
    for suffix, replacement in _DERIVATIONS if word.endswith(_DERIVATION_ENDINGS) else ():
        if word.endswith(suffix) and len(word) - len(suffix) >= _STEM_MIN:
            word = word[: len(word) - len(suffix)] + replacement
            break
    if word.endswith(("e", "y")) and len(word) > _STEM_MIN:
        word = word[:-1]
    if len(word) > _STEM_MIN and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


def squash(text: str) -> str:
    """An identifier as one word: case-folded letters and digits only."""
    return _NOT_ALNUM.sub("", normalise(text))


def is_code_identifier(token: str) -> bool:
    """Whether a token as written is code: ``@x``, ``x()``, ``a.b``, ``snake_case``,
    ``CamelCase``."""
    bare = token.lstrip("@").removesuffix("()")
    if len(bare) < 3:
        return False
    dotted = "." in bare and all(len(part) >= 2 for part in bare.split("."))
    return (
        token.startswith("@")
        or token.endswith("()")
        or dotted
        or "_" in bare.strip("_")
        or bool(_INNER_CAPITAL.search(bare))
    )


class Word(NamedTuple):
    """A salient word of a key point: its stem, and the word as written (case-folded)."""

    stem: str
    written: str


@dataclass(frozen=True)
class KeyPointTerms:
    """What a key point is matched by: its identifiers, each as the ways an answer may write
    it (``Identifier``), and its salient words."""

    identifiers: tuple["Identifier", ...]
    words: tuple[Word, ...]

    @property
    def weight(self) -> int:
        return IDENTIFIER_WEIGHT * len(self.identifiers) + WORD_WEIGHT * len(self.words)


@dataclass(frozen=True)
class Identifier:
    """A code identifier as one word (``selectrelated``) or as a run of words
    (`` select related ``, `` transaction atomic ``, `` model serializer ``)."""

    squashed: str
    phrases: tuple[str, ...]

    @classmethod
    def of(cls, token: str) -> "Identifier":
        bare = token.lstrip("@").removesuffix("()")
        camel_split = _CAMEL_BOUNDARY.sub(" ", bare)
        phrases = {
            f" {' '.join(_WORD.findall(normalise(bare)))} ",
            f" {' '.join(_WORD.findall(normalise(camel_split)))} ",
        }
        return cls(squashed=squash(bare), phrases=tuple(sorted(phrases)))

    def written_in(self, answer: "AnswerTerms") -> bool:
        """Whether the answer writes it, as one word or as its words in a row."""
        return self.squashed in answer.words or any(
            answer.words.issuperset(p.split()) and p in answer.spaced for p in self.phrases
        )


@lru_cache(maxsize=1024)
def key_point_terms(point: str) -> KeyPointTerms:
    """A key point's salient terms (cached: a round's key points are read at every submit)."""
    identifiers: list[Identifier] = []
    rest = []
    last = 0
    for found in _IDENTIFIER.finditer(point):
        if is_code_identifier(found.group()):
            identifiers.append(Identifier.of(found.group()))
            rest.append(point[last : found.start()])
            last = found.end()
    rest.append(point[last:])
    words = {
        stem(word): Word(stem(word), word)
        for word in _WORD.findall(normalise(" ".join(rest)))
        if word not in STOP_WORDS and len(word) >= 2
    }
    return KeyPointTerms(
        identifiers=tuple(dict.fromkeys(i for i in identifiers if i.squashed)),
        words=tuple(words.values()),
    )


@dataclass(frozen=True)
class ByLength:
    """Terms sorted by length, then alphabetically, and where each length starts: the terms
    of a range of lengths are one slice."""

    terms: list[str]
    starts: list[int]  # starts[n]: the index of the first term of length n or more

    @classmethod
    def of(cls, terms: frozenset[str]) -> "ByLength":
        ordered = sorted(sorted(terms), key=len)
        longest = len(ordered[-1]) if ordered else 0
        starts = [bisect.bisect_left(ordered, length, key=len) for length in range(longest + 2)]
        return cls(terms=ordered, starts=starts)

    def _span(self, low: int, high: int) -> slice:
        last = len(self.starts) - 1
        return slice(self.starts[min(low, last)], self.starts[min(high + 1, last)])

    def count(self, low: int, high: int) -> int:
        """How many terms have ``low`` to ``high`` letters."""
        span = self._span(low, high)
        return span.stop - span.start

    def of_lengths(self, low: int, high: int) -> list[str]:
        """The terms of ``low`` to ``high`` letters."""
        return self.terms[self._span(low, high)]


@dataclass
class AnswerTerms:
    """What an answer offers to match (its first ``MAX_ANSWER_WORDS`` words): its words as
    written and stemmed (sets, and by length for fuzzy matching), and the words in order,
    space-separated, for identifiers written as a run of words; and what is left of its fuzzy
    step's budget."""

    words: frozenset[str]
    words_by_length: ByLength
    stems: frozenset[str]
    stems_by_length: ByLength
    spaced: str
    fuzzy_left: int = field(default=FUZZY_BUDGET)

    @classmethod
    def of(cls, text: str) -> "AnswerTerms":
        words = _WORD.findall(normalise(text))[:MAX_ANSWER_WORDS]
        distinct = frozenset(words)
        stems = frozenset(map(stem, distinct))
        return cls(
            words=distinct,
            words_by_length=ByLength.of(distinct),
            stems=stems,
            stems_by_length=ByLength.of(stems),
            spaced=f" {' '.join(words)} ",
        )

    def close_to(self, term: str, by_length: ByLength) -> bool:
        """Whether a word of ``by_length`` is within ``FUZZY_WORD`` of the term, while the
        budget lasts. ``ratio`` is 200·m/(a+b) for m letters in common of lengths a and b, so
        only lengths between 0.72 and 1.38 times the term's can reach 84."""
        share = FUZZY_WORD / (200 - FUZZY_WORD)
        low, high = math.ceil(len(term) * share), math.floor(len(term) / share)
        cost = by_length.count(low, high)
        if cost > self.fuzzy_left:
            return False
        self.fuzzy_left -= cost
        choices = by_length.of_lengths(low, high)
        found = process.extractOne(term, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD)
        return found is not None


def _word_present(word: Word, answer: AnswerTerms) -> bool:
    """The answer has the word's stem, or (a long word) a word or stem close to it."""
    if word.stem in answer.stems:
        return True
    if len(word.written) < FUZZY_WORD_MIN_CHARS:
        return False
    return answer.close_to(word.written, answer.words_by_length) or answer.close_to(
        word.stem, answer.stems_by_length
    )


def point_covered(point: str, answer: AnswerTerms) -> bool:
    """Whether the answer covers the key point (see the module's docstring, step 4). Terms
    are looked for until the verdict cannot change: the dearer ones are spared."""
    terms = key_point_terms(point)
    needed = COVERED_SHARE * terms.weight
    present_weight = present_terms = 0
    left = terms.weight
    found = [(IDENTIFIER_WEIGHT, i.written_in) for i in terms.identifiers]
    found += [(WORD_WEIGHT, lambda a, w=w: _word_present(w, a)) for w in terms.words]
    for weight, present in found:
        if present_weight >= needed and present_terms >= MIN_TERMS_PRESENT:
            break
        if present_weight + left < needed:
            break
        left -= weight
        if present(answer):
            present_weight += weight
            present_terms += 1
    return present_terms >= MIN_TERMS_PRESENT and terms.weight > 0 and present_weight >= needed


def suggested_score(points: list[bool]) -> int | None:
    """Ten times the share covered, rounded half up; None without key points."""
    if not points:
        return None
    return (2 * SCORE_MAX * sum(points) + len(points)) // (2 * len(points))


def coverage_of(text: str, key_points: list[str]) -> Coverage:
    """Which key points the answer covers, and the score that suggests."""
    if len(set(text.split())) < MIN_ANSWER_WORDS:
        points = [False] * len(key_points)
    else:
        answer = AnswerTerms.of(text)
        points = [point_covered(point, answer) for point in key_points]
    return {"points": points, "suggested_score": suggested_score(points)}
