"""``python manage.py eventschema``: write ``docs/events.schema.json`` from the protocol
(``interview.domain.eventschema``); ``--check`` fails if the committed file is not current."""

from django.core.management.base import BaseCommand, CommandError

from interview.domain.eventschema import main


class Command(BaseCommand):
    help = "Write docs/events.schema.json, the JSON Schema of the server's frames."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="only check it is current")

    def handle(self, *args, check: bool = False, **options) -> None:
        if main(["--check"] if check else []):
            raise CommandError("docs/events.schema.json is stale: run make schema")
