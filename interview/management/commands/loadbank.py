from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interview.api.question_bank import BUILT_IN_BANK, BankError, bank_load, bank_read_files


class Command(BaseCommand):
    help = "Load question bank files (default: the built-in bank), upserting by slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="*", help="bank YAML files (default: the built-in questions, exercises)"
        )

    def handle(self, *args: object, files: list[str], **options: object) -> None:
        paths = [Path(file) for file in files] or list(BUILT_IN_BANK)
        try:
            entries = bank_read_files(paths)
        except BankError as exc:
            raise CommandError(f"Refused, nothing loaded: {exc}") from exc
        report = bank_load(entries)
        self.stdout.write(f"Question bank {', '.join(map(str, paths))}: {report}.")
