"""Helpers shared by the benchmarks."""

import os
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Callable
from urllib.parse import urlparse


def prepare_database() -> None:
    """Create the benchmark database if needed, then migrate it and load the reference data."""
    import os

    import django
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def measure(function: Callable[[], object], *, repeat: int, warmup: int = 3) -> dict[str, float]:
    """Call ``function`` ``repeat`` times after a warm-up; return timings in milliseconds."""
    for _ in range(warmup):
        function()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return {
        "n": repeat,
        "p50_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "max_ms": max(timings),
    }


def report(label: str, figures: dict[str, float]) -> None:
    parts = ", ".join(
        f"{key}={value:.1f}" if isinstance(value, float) else f"{key}={value}" for key, value in figures.items()
    )
    print(f"  {label:<48} {parts}")


def with_second_factor(user):
    """Benchmarks sign in by force (``Client.force_login``) or mint tokens through
    ``accounts.services.issue_token``; a role that must use a second factor is
    refused until it has one, so give it TOTP (a random secret, through the
    service) as a person would have set it up."""
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from accounts.second_factor import second_factor_missing
    from accounts.services import activate_totp

    if second_factor_missing(user):
        activate_totp(user=user, secret=generate_totp_secret())
    return user


# The demo accounts the load benchmarks call the API as, one per role.
DEMO_CALLERS = {
    "liaison": "liaison@kanto.maff.example.go.jp",
    "staff": "staff@matsumoto.example.lg.jp",
    "secretariat": "secretariat@cao.example.go.jp",
}


def demo_callers() -> tuple[dict, dict[str, str]]:
    """The demo accounts (created if missing, with their second factor) by role, and an API token each."""
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import issue_token

    call_command("seed_demo", accounts_only=True, verbosity=0)
    users = {role: with_second_factor(User.objects.get(email=email)) for role, email in DEMO_CALLERS.items()}
    return users, {role: issue_token(user=user).key for role, user in users.items()}


def purge_queues(queues=("celery", "notifications")) -> None:
    """Empty the Celery queues a benchmark uses (before it, and what it leaves behind)."""
    from config.celery import app

    with app.connection_for_write() as connection:
        for queue in queues:
            try:
                connection.default_channel.queue_purge(queue)
            except Exception:  # noqa: S112 — a queue that does not exist yet is empty
                continue


def free_port(first: int, last: int) -> int:
    """A free loopback port in ``first``..``last`` (SMTP services keep to 2600–2699 here)."""
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_group(process: subprocess.Popen, *, signum: int = signal.SIGINT, wait: float = 30) -> None:
    """Stop a process started in a session of its own, and its children; killed if it hangs."""
    if process.poll() is None:
        os.killpg(process.pid, signum)
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
