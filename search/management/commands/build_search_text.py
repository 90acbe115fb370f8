"""Build the search text of existing consultations (``search.services.build_texts``).

Walks the consultations by id (keyset, never OFFSET) in batches; consultations whose text is
up to date are skipped, so an interrupted run started again resumes where it stopped.
``--after ID`` starts after a given id (the last one a previous run printed)."""

import time

from django.core.management.base import BaseCommand

from consult.models import Consultation
from search import services

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Build (or bring up to date) the search text of every consultation."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="consultations per transaction")
        parser.add_argument("--after", type=int, default=0, help="start after this consultation id")
        parser.add_argument("--force", action="store_true", help="rebuild texts already up to date")

    def handle(self, *args, batch: int, after: int, force: bool, **options):
        remaining = Consultation.objects.filter(pk__gt=after)
        total = remaining.count()
        checked = written = 0
        last = after
        started = time.monotonic()
        while True:
            ids = list(remaining.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            written += services.build_texts(consultation_ids=ids, force=force)
            checked += len(ids)
            last = ids[-1]
            self._progress(checked, total, written, last, time.monotonic() - started)
        elapsed = max(time.monotonic() - started, 1e-9)
        if checked:
            self.stdout.write("")
        self.stdout.write(
            f"{checked} checked, {written} written in {elapsed:.1f} s: {checked / elapsed:.0f} consultations/s"
            f" (last id {last})"
        )

    def _progress(self, checked: int, total: int, written: int, last: int, elapsed: float) -> None:
        share = checked / total if total else 1.0
        filled = int(BAR_WIDTH * min(share, 1.0))
        rate = checked / elapsed if elapsed else 0.0
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:6.1%} {checked}/{total}"
            f" written {written}, {rate:.0f}/s, last id {last}",
            ending="",
        )
        self.stdout.flush()
