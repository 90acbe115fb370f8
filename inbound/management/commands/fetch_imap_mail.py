"""Read replies to notifications from an IMAP mailbox (BANSO_IMAP_*), once or every N seconds."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inbound import imap


class Command(BaseCommand):
    help = "Read replies to notifications from the IMAP mailbox set in BANSO_IMAP_HOST and the others."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="seconds between reads (0: read once)")

    def handle(self, *args, every: float, **options):
        if not settings.BANSO_IMAP_HOST or not settings.BANSO_IMAP_USER:
            raise CommandError("Set BANSO_IMAP_HOST, BANSO_IMAP_USER and BANSO_IMAP_PASSWORD first.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while True:
            with imap.connect(
                host=settings.BANSO_IMAP_HOST,
                port=settings.BANSO_IMAP_PORT,
                user=settings.BANSO_IMAP_USER,
                password=settings.BANSO_IMAP_PASSWORD,
                folder=settings.BANSO_IMAP_FOLDER,
            ) as mailbox:
                count = imap.fetch_from(mailbox, done_folder=settings.BANSO_IMAP_DONE_FOLDER)
            self.stdout.write(f"Read {count} message(s) from {settings.BANSO_IMAP_FOLDER}.")
            if not every or stop.wait(every):
                return
