from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from routing.reference_loader import DEFAULT_DIRECTORY, ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = (
        "Load prefectures, local governments, ministries, offices, jurisdictions and policy areas. "
        "Idempotent; one transaction, so a bad row loads nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", type=Path, default=DEFAULT_DIRECTORY, help="folder of the reference CSV files"
        )

    def handle(self, *args, directory: Path, **options):
        try:
            report = load_reference_data(directory)
        except ReferenceDataError as exc:
            raise CommandError(f"reference data rejected, nothing loaded: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"reference data loaded ({report.changed} rows created or updated)"))
