"""Display names: a name that would pass for another candidate's is taken, stacked marks are
refused (interview/domain/names.py, through participant_join)."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interview.domain import services
from interview.domain.errors import Refusal
from interview.domain.names import (
    MARKS_PER_CHARACTER_MAX,
    display_name_clean,
    display_name_keys,
    display_names_clash,
)
from interview.models import InterviewSession

from .factories import session_for


def join(session: InterviewSession, name: str, role: str = "candidate"):
    return services.participant_join(session=session, role=role, display_name=name).participant


def refused_join(session: InterviewSession, name: str, role: str = "candidate") -> Refusal:
    with pytest.raises(Refusal) as refused:
        join(session, name, role)
    return refused.value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "impersonation"),
    [
        ("Ann", "\u0410nn"),  # Cyrillic capital A
        ("Ann", "\uff21nn"),  # full-width A
        ("Ann", "\U0001d400nn"),  # mathematical bold A
        ("Bob", "B\u043eb"),  # Cyrillic small o
        ("Alan", "AIan"),  # capital i for small L
        ("Olga", "0lga"),  # digit zero
        ("Ann", "ANN\u3164"),  # upper case, and a Hangul filler that shows as nothing
        ("Kim", "Kirn"),  # "rn" for "m"
        ("paypal", "\U0001d52d\U0001d4b6\u1eff\U0001d561\U0001d552\u2113"),
    ],
)
def test_a_name_that_passes_for_another_candidates_is_taken(interviewer, first, impersonation):
    session = session_for(interviewer)
    join(session, first)
    error = refused_join(session, impersonation)
    assert error.code == "name_taken"
    # The other way round too: whoever comes first keeps the name.
    other = session_for(interviewer)
    join(other, impersonation)
    assert refused_join(other, first).code == "name_taken"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ann", "Anne"),
        ("Zo\u00e9", "Zoe"),  # an accent makes another name
        ("Li", "Lu"),
        ("\u041c\u0430\u0440\u0438\u044f", "\u041c\u0430\u0440\u0438\u043d\u0430"),  # Maria, Marina
    ],
)
def test_names_that_only_look_related_are_two_names(interviewer, first, second):
    session = session_for(interviewer)
    join(session, first)
    assert join(session, second).display_name == second


@pytest.mark.django_db
def test_spectators_may_share_a_candidates_look_alike_name(interviewer):
    session = session_for(interviewer)
    join(session, "Ann")
    assert join(session, "\u0410nn", "spectator").display_name == "\u0410nn"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["candidate", "spectator"])
def test_a_name_with_more_than_two_marks_on_one_character_is_invalid(interviewer, role):
    session = session_for(interviewer)
    error = refused_join(session, "Z" + "\u0301" * 39, role)
    assert error.code == "invalid"
    assert error.message == (
        "display_name: at most 2 accents or other combining marks on one character."
    )
    assert refused_join(session, "q\u0301\u0302\u0303", role).code == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "q\u0301\u0302",  # two marks on one letter
        "Nguy\u1ec5n",  # Vietnamese: precomposed in NFC
        "Nguye\u0302\u0303n",  # the same typed decomposed
        "\u0e01\u0e35\u0e48",  # Thai: a consonant, a vowel and a tone mark above it
        "\u1000\u103b\u1031\u102c\u103a",  # Burmese "Kyaw": spacing vowel signs do not stack
    ],
)
def test_names_with_up_to_two_marks_on_a_character_are_kept(interviewer, name):
    assert join(session_for(interviewer), name).display_name


@pytest.mark.django_db
def test_a_name_of_invisible_fillers_is_blank(interviewer):
    error = refused_join(session_for(interviewer), "\u3164\u3164")
    assert (error.code, error.message) == ("invalid", "display_name: must not be blank.")


# --- properties of the rule itself -----------------------------------------------------------

# Latin letters and a look-alike of each from another script or a compatibility form.
LOOK_ALIKES = {
    "a": "\u0430",
    "c": "\u0441",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "x": "\u0445",
    "y": "\u0443",
    "A": "\u0391",
    "B": "\u0392",
    "E": "\u0395",
    "H": "\u0397",
    "K": "\u039a",
    "M": "\u039c",
    "T": "\u03a4",
}
latin_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHKMT ", min_size=1, max_size=20)


def spoofed(name: str, swap: list[bool], how: str) -> str:
    chars = []
    for char, change in zip(name, swap + [False] * len(name), strict=False):
        if not change:
            chars.append(char)
        elif how == "look-alike":
            chars.append(LOOK_ALIKES.get(char, char))
        elif how == "full-width" and char != " ":
            chars.append(chr(ord(char) + 0xFEE0))
        else:
            chars.append(char.swapcase())
    return "".join(chars)


@given(
    name=latin_names.filter(str.strip),
    swap=st.lists(st.booleans(), max_size=20),
    how=st.sampled_from(["look-alike", "full-width", "case"]),
)
def test_any_mix_of_look_alikes_clashes_with_the_name(name, swap, how):
    original = display_name_clean(name)
    spoof = display_name_clean(spoofed(name, swap, how))
    assert display_names_clash(display_name_keys(original), display_name_keys(spoof))


@given(marks=st.lists(st.sampled_from("\u0300\u0301\u0302\u0303\u0308\u0323\u0331"), max_size=6))
def test_a_letter_is_kept_with_at_most_two_marks(marks):
    name = "q" + "".join(marks)  # no precomposed q: NFC keeps every mark
    if len(marks) <= MARKS_PER_CHARACTER_MAX:
        assert display_name_clean(name) == unicodedata.normalize("NFC", name)
    else:
        with pytest.raises(Refusal) as refused:
            display_name_clean(name)
        assert refused.value.code == "invalid"
