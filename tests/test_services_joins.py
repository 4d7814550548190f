"""Services of joining: display names, as kept and as refused."""

import pytest

from interview.domain import services
from interview.domain.errors import Refusal
from interview.models import (
    Participant,
)

from .factories import session_for


def join(session, name: str, role: str = "candidate") -> Participant:
    return services.participant_join(session=session, role=role, display_name=name).participant


def refused_join(session, name: str, role: str = "candidate") -> Refusal:
    with pytest.raises(Refusal) as refused:
        join(session, name, role)
    return refused.value


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "Ann\u200b",  # zero-width space
        "\u200dAnn",  # zero-width joiner
        "\u202eAnn",  # right-to-left override
        "\u2066Ann\u2069",  # left-to-right isolate
        "\ufeffAnn",  # byte order mark
        "An\u00adn",  # soft hyphen
        "Ann\x07",  # BEL
        "\x1b[31mAnn",  # ESC, a terminal colour
        "Ann\x00",
        "Ann\tLee",
        "Ann\nLee",
        "Ann\u0085",  # next line
        "\u200b\u200b",  # blank without them
    ],
)
@pytest.mark.parametrize("role", ["candidate", "spectator"])
def test_a_name_with_a_control_or_format_character_is_invalid(interviewer, name, role):
    session = session_for(interviewer)
    error = refused_join(session, name, role)
    assert error.code == "invalid"
    assert error.message.startswith("display_name: must not contain control or invisible")
    assert not session.participants.exclude(role="interviewer").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", "\u3000", "\u00a0 \u2003"])
def test_a_name_of_white_space_alone_is_blank(interviewer, name):
    error = refused_join(session_for(interviewer), name)
    assert (error.code, error.message) == ("invalid", "display_name: must not be blank.")


@pytest.mark.django_db
def test_a_name_is_kept_in_nfc_with_its_spaces_collapsed(interviewer):
    participant = join(session_for(interviewer), "  Zoe\u0301 \u00a0 Lee ")
    assert participant.display_name == "Zo\u00e9 Lee"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ann", "aNN"),
        ("Zo\u00e9", "ZOE\u0301"),  # composed, then decomposed and upper case
        ("\u00c9milie", "\u00e9milie"),  # non-ASCII case, which SQLite's LIKE ignores
        ("stra\u00dfe", "STRASSE"),  # case folding, not just lower case
    ],
)
def test_two_candidates_names_that_differ_in_case_or_composition_are_one_name(
    interviewer, first, second
):
    session = session_for(interviewer)
    join(session, first)
    assert refused_join(session, second).code == "name_taken"
    assert join(session, second, "spectator").display_name  # spectators' names may repeat
    assert join(session_for(interviewer), second).display_name  # another session's may too
