"""A realistic history of consultations, as table rows written in bulk.

Every consultation is routed by the real decision core and the default rule set, its
deadlines come from the government calendar and are recorded on the events that set
them (as the services record them), and its status follows its age: old ones closed,
recent ones open, some waiting for the filer, a few withdrawn, unrouted ones in triage.
The benchmarks write the rows with PostgreSQL COPY (``bench.seed``); the demo year
(``seed_demo_year``) with the ORM, on any database.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone

# Every table written, and its columns in the order of each row.
COLUMNS = {
    "consult_consultation": (
        "id", "reference", "title", "body", "status", "policy_area_id", "filer_id", "filed_by_id", "urgency",
        "priority", "primary_office_id", "routed_office_id", "assignee_id", "rule_set_id", "rule_name",
        "routing_explanation", "routing_explanation_en", "triage_reason", "sla_policy_id", "clock_started_at",
        "first_response_due_at", "resolution_due_at", "paused_since", "first_responded_at", "resolved_at",
        "closed_at", "withdrawn_at", "transfer_count", "created_at", "updated_at",
    ),
    "consult_officehandling": ("consultation_id", "office_id", "started_at"),
    "consult_cofiler": ("consultation_id", "local_government_id"),
    "consult_collaborator": ("consultation_id", "office_id", "invited_at", "by_routing"),
    "consult_event": (
        "consultation_id", "kind", "actor_id", "from_status", "to_status", "from_office_id", "to_office_id",
        "reason", "data", "internal", "created_at",
    ),
    "consult_message": (
        "consultation_id", "author_id", "author_office_id", "kind", "internal", "body", "mentions", "created_at",
    ),
}  # fmt: skip

REPLIES = [
    "ご相談ありがとうございます。関係部署と確認のうえ、改めてご連絡します。",
    "補助事業の公募要領を添付します。申請期間は来月末までです。",
    "先行事例として、同規模の自治体の取組をご紹介します。",
]
FILER_REPLIES = [
    "資料を確認しました。追加で伺いたい点があります。",
    "対象面積は約12haです。",
    "ありがとうございました。",
]
RESOLUTIONS = ["制度Aの活用をお勧めします。申請書の様式は以下のとおりです。", "ご照会の件、現行制度で対応可能です。"]


def status_for(age_days: float, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return "withdrawn"
    if age_days > 60:
        return "closed" if roll < 0.85 else ("resolved" if roll < 0.93 else "in_progress")
    if age_days > 14:
        return ["closed", "resolved", "in_progress", "awaiting_filer"][min(3, int(roll * 4))]
    return ["open", "in_progress", "awaiting_filer", "resolved"][min(3, int(roll * 4))]


class History:
    """Builds the rows of ``count`` consultations filed over the last ``days`` days.

    The people who act in it: the staff account of each local government and one liaison
    per office, the existing ones first (so the demo accounts find their own work), and
    for the others accounts named ``<prefix>-<code>`` without a usable password."""

    def __init__(
        self,
        *,
        seed_value: int,
        days: int,
        user_prefix: str,
        now: datetime.datetime | None = None,
        favoured: tuple[str, ...] = (),
        favoured_share: float = 0.0,
    ):
        from consult.models import Consultation, ReferenceCounter
        from demo import facts
        from routing import selectors
        from routing.business_time import DEFAULT_CALENDAR
        from routing.engine import compile_rule_set
        from routing.models import LocalGovernment, Office, PolicyArea, SlaPolicy

        self.rng = random.Random(seed_value)
        self.seed_value = seed_value
        self.days = days
        self.now = now or timezone.now()
        self.calendar = DEFAULT_CALENDAR
        self.snapshot = selectors.reference_snapshot()
        self.rule_set = selectors.rule_set_in_effect()
        self.compiled = compile_rule_set(
            selectors.rule_specs(self.rule_set), self.snapshot, version=self.rule_set.version
        )
        self.filers = facts.filers(self.snapshot, dict(LocalGovernment.objects.values_list("code", "name")))
        self.areas = dict(PolicyArea.objects.values_list("slug", "id"))
        self.offices = dict(Office.objects.values_list("slug", "id"))
        self.policy = SlaPolicy.objects.get(is_default=True)
        self.staff, self.liaisons = self._people(user_prefix)
        self.counters = dict(ReferenceCounter.objects.values_list("year", "last"))
        last_id = Consultation.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.next_id = last_id + 1
        self._decisions: dict[tuple[bool, int], tuple] = {}
        self._pool: list | None = None
        # A share of the consultations filed by these local governments (the demo accounts' own).
        self.favoured_share = favoured_share if favoured else 0.0
        self._favoured_pool = (
            facts.consultations(
                self.snapshot,
                self.filers,
                500,
                seed=self.seed_value + 1,
                filed_by=[f for f in self.filers if f.code in favoured],
            )
            if favoured
            else []
        )

    def _people(self, prefix: str) -> tuple[dict[str, int], dict[int, int]]:
        from accounts.models import OfficeMembership, Role, User

        staff = dict(User.objects.filter(role=Role.STAFF).values_list("local_government_id", "id"))
        new_staff = [
            User(
                email=f"{prefix}-{f.code}@example.lg.jp",
                display_name=f"{f.name} 職員",
                role=Role.STAFF,
                local_government_id=f.code,
            )
            for f in self.filers
            if f.code not in staff
        ]
        for user in new_staff:
            user.set_unusable_password()
        User.objects.bulk_create(new_staff, batch_size=2000)
        staff = dict(User.objects.filter(role=Role.STAFF).values_list("local_government_id", "id"))
        liaisons = dict(OfficeMembership.objects.values_list("office_id", "user_id"))
        for slug, office_id in self.offices.items():
            if office_id not in liaisons:
                user = User(email=f"{prefix}-{slug}@example.go.jp", display_name=f"{slug} 担当", role=Role.LIAISON)
                user.set_unusable_password()
                user.save()
                OfficeMembership.objects.create(user=user, office_id=office_id)
                liaisons[office_id] = user.pk
        return staff, liaisons

    def chunks(self, count: int, *, chunk: int = 20_000) -> Iterator[dict[str, list[tuple]]]:
        """The rows of ``count`` consultations, ``chunk`` consultations at a time, by table."""
        from demo import facts

        if self._pool is None:
            self._pool = facts.consultations(self.snapshot, self.filers, min(count, 50_000), seed=self.seed_value)
        done = 0
        while done < count:
            size = min(chunk, count - done)
            rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
            for _ in range(size):
                self._one(rows)
            # Co-filers may repeat within a joint consultation of the pool: keep each pair once.
            rows["consult_cofiler"] = list(dict.fromkeys(rows["consult_cofiler"]))
            done += size
            yield rows

    def _one(self, rows: dict[str, list[tuple]]) -> None:
        from routing.engine import decide

        rng, cal, now = self.rng, self.calendar, self.now
        day = cal.day_seconds
        favoured = self.favoured_share > 0 and rng.random() < self.favoured_share
        pool = self._favoured_pool if favoured else self._pool
        pick = rng.randrange(len(pool))
        facts = pool[pick]
        created = now - datetime.timedelta(seconds=rng.randrange(0, self.days * 86400))
        created = cal.clock_start(created) if rng.random() < 0.9 else created
        if (favoured, pick) not in self._decisions:
            decided = decide(facts, self.compiled, self.snapshot)
            self._decisions[favoured, pick] = (decided, decided.explanation_ja)
        decision, explanation = self._decisions[favoured, pick]
        office = decision.primary_office
        office_id = self.offices[office.slug] if office else None
        status = status_for((now - created).total_seconds() / 86400, rng)
        if office is None and status != "withdrawn":
            status = "triage"
        year = timezone.localtime(created).year
        self.counters[year] = self.counters.get(year, 0) + 1
        cid = self.next_id
        self.next_id += 1
        filer_user = self.staff[facts.filer.code]
        liaison = self.liaisons.get(office_id)
        first_due = cal.add(created, 2 * day)
        resolution_due = cal.add(created, 10 * day)
        # As the services record them on the events that set them (none moves them here).
        deadlines = {
            "deadlines": {
                "first_response_due_at": first_due.isoformat(),
                "resolution_due_at": resolution_due.isoformat(),
            }
        }
        responded = resolved = closed = withdrawn = paused = None
        filed_status = status if status == "triage" else "open"
        events = [
            ("filed", filer_user, "", filed_status, None, None, "", deadlines, False, created),
            ("routed" if office else "triaged", None, "", "", None, office_id, "", {}, False, created),
        ]
        messages = []
        t = created
        if status in ("in_progress", "awaiting_filer", "resolved", "closed"):
            t = cal.add(t, rng.randrange(600, 3 * day))
            events.append(("accepted", liaison, "open", "in_progress", None, None, "", {}, False, t))
            t = cal.add(t, rng.randrange(60, day))
            responded = t
            messages.append((liaison, office_id, "reply", False, rng.choice(REPLIES), t))
            events.append(("replied", liaison, "", "", None, None, "", {}, False, t))
            if rng.random() < 0.5:
                t = cal.add(t, rng.randrange(600, 2 * day))
                messages.append((filer_user, None, "reply", False, rng.choice(FILER_REPLIES), t))
                events.append(("replied", filer_user, "", "", None, None, "", {}, False, t))
        if status == "awaiting_filer":
            t = cal.add(t, rng.randrange(600, day))
            paused = t
            messages.append((liaison, office_id, "info_request", False, "追加の資料をお送りください。", t))
            events.append(
                ("info_requested", liaison, "in_progress", "awaiting_filer", None, None, "", deadlines, False, t)
            )
        if status in ("resolved", "closed"):
            t = cal.add(t, rng.randrange(600, 12 * day))
            resolved = t
            messages.append((liaison, office_id, "resolution", False, rng.choice(RESOLUTIONS), t))
            events.append(("resolved", liaison, "in_progress", "resolved", None, None, "", deadlines, False, t))
        if status == "closed":
            t = cal.add(t, rng.randrange(600, 5 * day))
            closed = t
            events.append(("closed", filer_user, "resolved", "closed", None, None, "", {}, False, t))
        if status == "withdrawn":
            t = cal.add(t, rng.randrange(600, 3 * day))
            withdrawn = t
            events.append(("withdrawn", filer_user, "open", "withdrawn", None, None, "", deadlines, False, t))
        t = min(t, now)
        rows["consult_consultation"].append(
            (
                cid, f"BNS-{year}-{self.counters[year]:06d}", facts.title, facts.body, status,
                self.areas[facts.policy_area], facts.filer.code, filer_user, facts.urgency, decision.priority,
                office_id, office_id, liaison if status not in ("open", "triage", "withdrawn") else None,
                self.rule_set.pk, decision.rule.name if decision.rule else "", explanation, "",
                decision.triage_reason, self.policy.pk, cal.clock_start(created), first_due, resolution_due, paused,
                responded, resolved, closed, withdrawn, 0, created, t,
            )
        )  # fmt: skip
        if office_id:
            rows["consult_officehandling"].append((cid, office_id, created))
        for other in facts.co_filers:
            if other.code != facts.filer.code:
                rows["consult_cofiler"].append((cid, other.code))
        for collaborator in decision.collaborators:
            rows["consult_collaborator"].append((cid, self.offices[collaborator.slug], created, True))
        for kind, actor, frm, to, from_office, to_office, reason, data, internal, at in events:
            rows["consult_event"].append(
                (cid, kind, actor, frm, to, from_office, to_office, reason, data, internal, at)
            )
        for author, author_office, kind, internal, body, at in messages:
            rows["consult_message"].append((cid, author, author_office, kind, internal, body, {}, at))

    def finish(self) -> None:
        """Keep the reference numbers and the id sequence past what was written."""
        from django.core.management.color import no_style

        from consult.models import Consultation, ReferenceCounter

        for year, last in self.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
        statements = connection.ops.sequence_reset_sql(no_style(), [Consultation])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def write_with_orm(rows: dict[str, list[tuple]]) -> dict[str, int]:
    """Write one chunk through the ORM (any database): bulk inserts, no signals or saves."""
    from consult.models import CoFiler, Collaborator, Consultation, Event, Message, OfficeHandling

    models = {
        "consult_consultation": Consultation,
        "consult_officehandling": OfficeHandling,
        "consult_cofiler": CoFiler,
        "consult_collaborator": Collaborator,
        "consult_event": Event,
        "consult_message": Message,
    }
    written = {}
    for table, model in models.items():
        columns = COLUMNS[table]
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows[table]), batch_size=500
        )
        written[table] = len(rows[table])
    return written
