"""Hands committed outbox rows to Celery from a background thread, a few
filings at a time: under load one message carries the deliveries of several
events, and the request that wrote them does not wait on the broker.

Rows whose message is lost with the process (killed before the next flush)
are still rows: the outbox sweep sends them.
"""

from __future__ import annotations

import atexit
import os
import threading

from django.conf import settings


class Relay:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inbox: list[int] = []
        self._emails: list[int] = []
        self._pid: int | None = None
        self._wake = threading.Event()

    def add(self, inbox_ids: list[int], email_ids: list[int]) -> None:
        with self._lock:
            self._inbox.extend(inbox_ids)
            self._emails.extend(email_ids)
            if self._pid != os.getpid():  # first use in this process (or after a fork)
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="banso-outbox-relay", daemon=True).start()
                atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait(settings.BANSO_OUTBOX_RELAY_SECONDS)
            self.flush()

    def flush(self) -> None:
        from . import tasks
        from .services import publish_deliveries

        with self._lock:
            inbox, emails = self._inbox, self._emails
            self._inbox, self._emails = [], []
        for start in range(0, len(inbox), tasks.BATCH):
            chunk = inbox[start : start + tasks.BATCH]
            chosen = set(chunk)
            publish_deliveries(chunk, [pk for pk in emails if pk in chosen])
        leftover = set(emails) - set(inbox)
        if leftover:
            publish_deliveries([], sorted(leftover))


relay = Relay()
