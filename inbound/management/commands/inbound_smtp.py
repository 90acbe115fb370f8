"""Receive mail by SMTP on BANSO_INBOUND_SMTP_HOST:BANSO_INBOUND_SMTP_PORT until SIGINT or SIGTERM."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from inbound.smtp import controller


class Command(BaseCommand):
    help = "Receive replies to notifications by SMTP (stops on SIGINT or SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.BANSO_INBOUND_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.BANSO_INBOUND_SMTP_PORT)

    def handle(self, *args, host: str, port: int, **options):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        server = controller(host=host, port=port)
        server.start()
        self.stdout.write(f"Receiving mail on {host}:{port} for @{settings.BANSO_REPLY_DOMAIN}", ending="\n")
        self.stdout.flush()
        try:
            while not stop.wait(1):
                pass
        finally:
            server.stop()
        self.stdout.write("Stopped receiving mail.")
