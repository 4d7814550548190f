"""``manage.py createinterviewer``: an interviewer account with its password and API token,
the token on the last line."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from interview.domain.roles import is_interviewer

pytestmark = pytest.mark.django_db


def created(capsys, *args: str) -> list[str]:
    call_command("createinterviewer", *args)
    return capsys.readouterr().out.splitlines()


def test_a_new_interviewer_gets_a_generated_password_and_a_token_on_the_last_line(capsys):
    lines = created(capsys, "dana")
    assert lines[0] == "Interviewer 'dana' created."
    password = lines[1].removeprefix("Password (sign in at /accounts/login/): ")
    assert len(password) >= 16
    user = get_user_model().objects.get(username="dana")
    assert is_interviewer(user)
    assert user.check_password(password)
    assert lines[-1] == Token.objects.get(user=user).key


def test_an_existing_user_is_given_the_role_keeping_their_password_and_token(
    capsys, django_user_model
):
    user = django_user_model.objects.create_user(username="erin", password="her own")
    token = Token.objects.create(user=user)
    lines = created(capsys, "erin")
    assert lines[0] == "Interviewer 'erin' updated."
    assert not any(line.startswith("Password") for line in lines)
    assert lines[-1] == token.key
    user.refresh_from_db()
    assert is_interviewer(user)
    assert user.check_password("her own")


def test_a_password_given_is_the_one_set(capsys, django_user_model):
    django_user_model.objects.create_user(username="finn", password="old")
    lines = created(capsys, "finn", "--password", "new and long")
    assert "Password (sign in at /accounts/login/): new and long" in lines
    assert django_user_model.objects.get(username="finn").check_password("new and long")


def test_a_blank_name_is_refused():
    with pytest.raises(CommandError, match="must not be blank"):
        call_command("createinterviewer", "  ")
    assert not get_user_model().objects.exists()
