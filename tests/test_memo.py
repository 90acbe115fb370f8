"""config.memo: a value kept per process, renewed everywhere when it changes."""

import pytest

from config import memo


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(memo.time, "monotonic", clock)
    return clock


@pytest.fixture
def source():
    """What the database holds, and how often it was read."""
    return {"value": "first", "loads": 0}


def process(source, recheck=2.0):
    """The memo as one web process holds it (two of these share only the cache)."""

    def load():
        source["loads"] += 1
        return source["value"]

    return memo.Memo("test:memo-version", load, recheck_seconds=recheck)


def test_a_value_is_loaded_once_and_reused(clock, source):
    here = process(source)
    assert here.get() == "first" and here.get() == "first"
    clock.now += 5  # past the recheck: the version is unchanged, so no new load
    assert here.get() == "first" and source["loads"] == 1


@pytest.mark.django_db
def test_a_change_is_seen_here_at_once_and_elsewhere_after_the_recheck(
    clock, source, django_capture_on_commit_callbacks
):
    here, there = process(source), process(source)
    assert here.get() == there.get() == "first" and source["loads"] == 2
    source["value"] = "second"
    with django_capture_on_commit_callbacks(execute=True):
        here.changed()
    assert here.get() == "second"
    assert there.get() == "first"  # within its recheck interval
    clock.now += 2.1
    assert there.get() == "second" and source["loads"] == 4


@pytest.mark.django_db
def test_changes_in_a_transaction_bump_once_at_commit(clock, source, django_capture_on_commit_callbacks):
    here, there = process(source), process(source)
    version = here.version()
    there.get()
    with django_capture_on_commit_callbacks() as callbacks:
        source["value"] = "second"
        here.changed()
        here.changed()
        assert here.get() == "second"  # this process's transaction sees its edit
        assert here.version() == version  # the others are told only at commit
    assert len(callbacks) == 1
    callbacks[0]()
    clock.now += 2.1
    assert here.version() != version and there.get() == "second"


def test_forget_drops_every_value_held_in_this_process(clock, source):
    here = process(source)
    here.get()
    memo.forget()
    here.get()
    assert source["loads"] == 2
