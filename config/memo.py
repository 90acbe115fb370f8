"""Values kept in each process and renewed when they change anywhere.

A ``Memo`` holds what ``load()`` returned together with a version read from the
shared cache. The version is read again at most every ``recheck_seconds`` per
process; when it differs, the value is loaded again. ``changed()`` renews the
value in this process at once (its transaction sees the edit) and, when the
transaction commits, in every other process (a new version in the shared cache).

Without the shared cache (a Redis outage) the version reads as "0": values are
then loaded again at each recheck, which costs queries but never serves a stale
value for longer than before the outage.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
_memos: weakref.WeakSet[Memo] = weakref.WeakSet()


class Memo(Generic[T]):
    def __init__(self, key: str, load: Callable[[], T], *, recheck_seconds: float) -> None:
        self.key = key  # the version's key in the shared cache
        self.load = load
        self.recheck_seconds = recheck_seconds
        self._held: tuple[str, float, T] | None = None  # (version, monotonic time to recheck, value)
        self._lock = threading.Lock()
        _memos.add(self)

    def _current(self) -> tuple[str, T]:
        now = time.monotonic()
        held = self._held
        if held is not None and now < held[1]:
            return held[0], held[2]
        version = str(cache.get(self.key) or "0")
        if held is not None and held[0] == version:
            self._held = (version, now + self.recheck_seconds, held[2])
            return version, held[2]
        with self._lock:  # one load per process when several threads find it stale
            current = self._held
            if current is not None and current[0] == version:
                return version, current[2]
            value = self.load()
            self._held = (version, now + self.recheck_seconds, value)
        return version, value

    def get(self) -> T:
        return self._current()[1]

    def version(self) -> str:
        """A token that changes whenever the value is renewed everywhere."""
        return self._current()[0]

    def bump(self) -> None:
        """A new version now, for every process (this one included)."""
        cache.set(self.key, uuid.uuid4().hex, timeout=None)
        self.forget()

    def changed(self) -> None:
        """Renew the value here at once, and everywhere when the transaction
        commits (once per transaction, however many rows it wrote)."""
        self.forget()
        connection = transaction.get_connection()
        if connection.in_atomic_block and any(entry[1] == self.bump for entry in connection.run_on_commit):
            return
        transaction.on_commit(self.bump)

    def forget(self) -> None:
        """Drop the value held in this process only."""
        self._held = None


def forget() -> None:
    """Drop every value held in this process (tests start from a clean state)."""
    for memo in list(_memos):
        memo.forget()
