from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from measures.loader import DEFAULT_DIRECTORY, ReferenceDataError, load_measures


class Command(BaseCommand):
    help = (
        "Load the related-measure catalogue (measures, windows, KPIs, roadmap) from CSV. "
        "Idempotent; one transaction, so a bad row loads nothing. Run after load_reference_data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=DEFAULT_DIRECTORY, help="folder of the measure CSV files")

    def handle(self, *args, directory: Path, **options):
        try:
            report = load_measures(directory)
        except ReferenceDataError as exc:
            raise CommandError(f"measures rejected, nothing loaded: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"measures loaded ({report.changed} rows created or updated)"))
