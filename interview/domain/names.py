"""Display names of candidates and spectators: what is kept, and when two are one name.

A name must not pass for another on the leaderboard: "Ann", "Ann" with a Cyrillic A (U+0410)
or a full-width one (U+FF21), and "ANN" are one name, and so are "AIan" (capital i) and
"Alan". Two names are one when they share either of their keys: the confusables skeleton of
Unicode's Technical Standard #39 of their NFKC casefold, or of the name as typed (the
skeleton maps "I" to "l", which casefolding first would hide). Both come from ICU (``icu``,
PyICU's module), the reference implementation of UTS #39 and of NFKC_Casefold, with the data
of the Unicode version it names.
"""

import unicodedata

import icu

from interview.domain.errors import Refusal

DISPLAY_NAME_MAX = 40
# Unicode's control (Cc: BEL, ESC, NUL, tabs, line breaks) and format (Cf: zero-width
# characters, bidi overrides, soft hyphens) categories: invisible, or rearranging the text
# around a name, so one name could pass for another.
DISPLAY_NAME_REFUSED_CATEGORIES = frozenset({"Cc", "Cf"})
# Marks drawn over or under the character before them (nonspacing Mn, enclosing Me): past a
# few they pile up out of the name's line ("Z" with 39 accents). Spacing marks (Mc, the vowel
# signs of Burmese or Tamil) take room of their own and do not count.
STACKING_MARK_CATEGORIES = frozenset({"Mn", "Me"})
MARKS_PER_CHARACTER_MAX = 2

_NFKC_CASEFOLD = icu.Normalizer2.getNFKCCasefoldInstance()
# Thread-safe once built (ICU's SpoofChecker: "const" functions may be called concurrently).
_SPOOF_CHECKER = icu.SpoofChecker()


def display_name_clean(raw: str) -> str:
    """A candidate's or spectator's name as stored: NFC, runs of white space as one space;
    ``invalid`` when it holds a control or format character, more than
    MARKS_PER_CHARACTER_MAX stacked marks on one character, nothing visible, or too much."""
    name = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(char) in DISPLAY_NAME_REFUSED_CATEGORIES for char in name):
        raise Refusal(
            "invalid",
            "display_name: must not contain control or invisible formatting characters "
            "(such as line breaks, zero-width spaces or direction overrides).",
        )
    if _most_marks_on_one_character(name) > MARKS_PER_CHARACTER_MAX:
        raise Refusal(
            "invalid",
            f"display_name: at most {MARKS_PER_CHARACTER_MAX} accents or other combining "
            "marks on one character.",
        )
    name = " ".join(name.split())
    # NFKC_Casefold drops default-ignorable characters (such as the Hangul fillers, which
    # show as blank): a name of nothing else is blank too.
    if not name or not _NFKC_CASEFOLD.normalize(name).strip():
        raise Refusal("invalid", "display_name: must not be blank.")
    if len(name) > DISPLAY_NAME_MAX:
        raise Refusal("invalid", f"display_name: at most {DISPLAY_NAME_MAX} characters.")
    return name


def _most_marks_on_one_character(name: str) -> int:
    most = run = 0
    for char in name:
        run = run + 1 if unicodedata.category(char) in STACKING_MARK_CATEGORIES else 0
        most = max(most, run)
    return most


def display_name_keys(name: str) -> tuple[str, str]:
    """The keys of a name (see the module): the UTS #39 skeleton of its NFKC casefold, and of
    the name itself. Skeletons are for comparing only, never for showing."""
    return (
        _SPOOF_CHECKER.getSkeleton(0, _NFKC_CASEFOLD.normalize(name)),
        _SPOOF_CHECKER.getSkeleton(0, name),
    )


def display_names_clash(keys: tuple[str, str], other: tuple[str, str]) -> bool:
    """Whether two names with these keys would pass for one another."""
    return any(mine == theirs for mine, theirs in zip(keys, other, strict=True))
