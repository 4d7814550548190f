from django.core.management.base import BaseCommand, CommandParser

from interview.api.question_bank import bank_dump
from interview.models import Question


class Command(BaseCommand):
    help = "Write the question bank as a YAML file that loadbank reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: object, output: str | None, **options: object) -> None:
        text = bank_dump(list(Question.objects.order_by("id")))
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {Question.objects.count()} questions to {output}.")
        else:
            self.stdout.write(text, ending="")
