"""Field types of the contract (``interview.domain.fields``): ids bounded by the database's
keys, and JSON types taken as sent."""

import pytest
from rest_framework.exceptions import ValidationError

from interview.domain.fields import (
    ID_MAX,
    IdField,
    StrictCharField,
    StrictIdField,
    StrictIntegerField,
)


@pytest.mark.parametrize("value", [0, -1, ID_MAX + 1, 2**64])
def test_an_id_outside_the_keys_of_the_database_is_invalid(value):
    with pytest.raises(ValidationError):
        IdField().run_validation(value)


def test_an_id_from_one_to_the_largest_key_is_valid():
    assert IdField().run_validation(1) == 1
    assert IdField().run_validation(ID_MAX) == ID_MAX


@pytest.mark.parametrize("value", ["7", 7.0, True, None, [7]])
def test_a_strict_integer_is_a_json_integer_and_nothing_that_converts_to_one(value):
    with pytest.raises(ValidationError):
        StrictIntegerField(allow_null=False).run_validation(value)


def test_a_strict_integer_keeps_its_bounds():
    assert StrictIntegerField().run_validation(7) == 7
    with pytest.raises(ValidationError):
        StrictIntegerField(max_value=5).run_validation(7)


@pytest.mark.parametrize("value", ["7", 7.0, False, 0, ID_MAX + 1])
def test_a_strict_id_is_a_json_integer_within_the_keys(value):
    with pytest.raises(ValidationError):
        StrictIdField().run_validation(value)


def test_a_strict_id_sent_as_an_integer_is_valid():
    assert StrictIdField().run_validation(42) == 42


@pytest.mark.parametrize("value", [5, 2.5, True, ["text"]])
def test_a_strict_text_is_a_json_string(value):
    with pytest.raises(ValidationError):
        StrictCharField().run_validation(value)


def test_a_strict_text_is_trimmed_like_any_text():
    assert StrictCharField().run_validation("  hello ") == "hello"
    assert StrictCharField(trim_whitespace=False).run_validation(" 5 ") == " 5 "
