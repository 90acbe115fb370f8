"""A year of the desk at work, for the demo only (``make run``): some thousands of
consultations across every prefecture and office in every state, a published
good-answer library, and the secretariat's figures published, so that the dashboard,
the queues and the library are full the moment the site answers. Idempotent: a database
that already has the demo year is left as it is."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User
from consult.management.commands.seed_demo import DEMO_ACCOUNTS
from consult.models import Consultation, Message, MessageKind
from demo.history import History, write_with_orm
from library import services as library_services
from metrics import services as metrics_services

USER_PREFIX = "demo"
LIBRARY_ENTRIES = 12
# The demo staff accounts' local governments: a share of the year is theirs.
DEMO_FILERS = tuple(code for _email, _name, _role, code, _offices, _lead_of in DEMO_ACCOUNTS if code)


class Command(BaseCommand):
    help = "Seed a year of demo consultations, library entries and published figures (idempotent; demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=3000, help="consultations over the year (default 3000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (the same seed, the same year)")

    def handle(self, *args, count: int, seed: int, **options):
        secretariat = User.objects.filter(role=Role.SECRETARIAT, is_active=True).order_by("id").first()
        if secretariat is None:
            raise CommandError("the demo accounts are missing: run `python manage.py seed_demo` first")
        if User.objects.filter(email__startswith=f"{USER_PREFIX}-").exists():
            self.stdout.write("demo year: already seeded")
            return
        started = time.perf_counter()
        first_id = (Consultation.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        with transaction.atomic():
            history = History(
                seed_value=seed, days=365, user_prefix=USER_PREFIX, favoured=DEMO_FILERS, favoured_share=0.08
            )
            for rows in history.chunks(count, chunk=1000):
                write_with_orm(rows)
            history.finish()
        call_command("build_search_text", after=first_id - 1, verbosity=0)
        entries = self._library(secretariat, first_id)
        metrics_services.refresh_changed()
        metrics_services.publish_figures()
        self.stdout.write(
            f"demo year: {count} consultations, {entries} library entries, figures published"
            f" ({time.perf_counter() - started:.1f} s)"
        )

    def _library(self, secretariat: User, first_id: int) -> int:
        """Good answers of the year proposed by the office that gave them and published by the
        secretariat, one per policy area while they last, through the library's services."""
        answered = _first_per_area(first_id)
        published = 0
        for consultation in list(answered)[:LIBRARY_ENTRIES]:
            answer = (
                Message.objects.filter(consultation=consultation, kind=MessageKind.RESOLUTION)
                .values_list("body", flat=True)
                .first()
            )
            liaison = User.objects.filter(memberships__office_id=consultation.primary_office_id, is_active=True).first()
            if not answer or liaison is None:
                continue
            with transaction.atomic():
                entry = library_services.propose_entry(
                    actor=liaison,
                    consultation=consultation,
                    title=consultation.title,
                    question=consultation.body,
                    answer=answer,
                    tags=["デモ"],
                )
                library_services.publish_entry(actor=secretariat, entry=entry)
            published += 1
        return published


def _first_per_area(first_id: int) -> list[Consultation]:
    """The latest answered consultation of each policy area, where DISTINCT ON is not available."""
    seen: set[int] = set()
    found = []
    for consultation in (
        Consultation.objects.filter(id__gte=first_id, status__in=["resolved", "closed"])
        .exclude(primary_office=None)
        .order_by("policy_area_id", "-resolved_at")
    ):
        if consultation.policy_area_id not in seen:
            seen.add(consultation.policy_area_id)
            found.append(consultation)
    return found
