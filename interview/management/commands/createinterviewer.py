import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from interview.domain.roles import INTERVIEWERS_GROUP


class Command(BaseCommand):
    help = (
        "Create an interviewer account (or give an existing user the role) and print its "
        "password and API token; the token is the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the interviewer's user name")
        parser.add_argument("--password", help="the password (default: a generated one)")

    def handle(self, *args: object, name: str, password: str | None, **options: object) -> None:
        user_model = get_user_model()
        if not name.strip():
            raise CommandError("The name must not be blank.")
        with transaction.atomic():
            user, created = user_model.objects.get_or_create(username=name)
            if created or password:
                password = password or secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
            group, _ = Group.objects.get_or_create(name=INTERVIEWERS_GROUP)
            user.groups.add(group)
            token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(f"Interviewer {name!r} {'created' if created else 'updated'}.")
        if password:
            self.stdout.write(f"Password (sign in at /accounts/login/): {password}")
        self.stdout.write("API token (send as 'Authorization: Token <token>'):")
        self.stdout.write(token.key)
