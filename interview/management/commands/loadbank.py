from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interview.question_bank import DEFAULT_BANK, BankError, bank_load, bank_read_file


class Command(BaseCommand):
    help = "Load a question bank file (default: the built-in bank), upserting by slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(DEFAULT_BANK), help="a bank YAML file")

    def handle(self, *args: object, file: str, **options: object) -> None:
        try:
            entries = bank_read_file(Path(file))
        except BankError as exc:
            raise CommandError(f"Refused, nothing loaded: {exc}") from exc
        report = bank_load(entries)
        self.stdout.write(f"Question bank {file}: {report}.")
