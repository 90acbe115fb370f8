"""Seed generator: N consultations (default 100,000; 1,000,000 works) with
realistic routing, deadlines, messages and events across all prefectures and
policy areas, written with PostgreSQL COPY.

    .venv/bin/python -m bench.seed --count 100000        (uses DATABASE_URL, default banso_bench)

Every consultation is routed by the real decision core and the default rule
set, and its deadlines come from the government calendar, so the data behaves
like filed data for lists, metrics and replay.
"""

import argparse
import datetime
import json
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/banso_bench")

CHUNK = 20_000
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


def _status_for(age_days: float, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return "withdrawn"
    if age_days > 60:
        return "closed" if roll < 0.85 else ("resolved" if roll < 0.93 else "in_progress")
    if age_days > 14:
        return ["closed", "resolved", "in_progress", "awaiting_filer"][min(3, int(roll * 4))]
    return ["open", "in_progress", "awaiting_filer", "resolved"][min(3, int(roll * 4))]


def seed(count: int, *, seed_value: int = 7, days: int = 730, out=print) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import OfficeMembership, Role, User
    from bench import generate
    from consult.models import Consultation, ReferenceCounter
    from routing import selectors
    from routing.business_time import DEFAULT_CALENDAR as CAL
    from routing.engine import compile_rule_set, decide
    from routing.models import LocalGovernment, Office, PolicyArea, SlaPolicy

    rng = random.Random(seed_value)
    snapshot = selectors.reference_snapshot()
    rule_set = selectors.rule_set_in_effect()
    compiled = compile_rule_set(selectors.rule_specs(rule_set), snapshot, version=rule_set.version)
    names = dict(LocalGovernment.objects.values_list("code", "name"))
    filers = generate.filers(snapshot, names)
    areas = dict(PolicyArea.objects.values_list("slug", "id"))
    offices = dict(Office.objects.values_list("slug", "id"))
    policy = SlaPolicy.objects.get(is_default=True)
    day = CAL.day_seconds

    # One staff account per local government and one liaison per office act in the history.
    staff = dict(User.objects.filter(role=Role.STAFF).values_list("local_government_id", "id"))
    new_staff = [
        User(
            email=f"bench-{f.code}@example.lg.jp",
            display_name=f"{f.name} 職員",
            role=Role.STAFF,
            local_government_id=f.code,
        )
        for f in filers
        if f.code not in staff
    ]
    for user in new_staff:
        user.set_unusable_password()
    User.objects.bulk_create(new_staff, batch_size=2000)
    staff = dict(User.objects.filter(role=Role.STAFF).values_list("local_government_id", "id"))
    liaisons = dict(OfficeMembership.objects.values_list("office_id", "user_id"))
    for slug, office_id in offices.items():
        if office_id not in liaisons:
            user = User(email=f"bench-{slug}@example.go.jp", display_name=f"{slug} 担当", role=Role.LIAISON)
            user.set_unusable_password()
            user.save()
            OfficeMembership.objects.create(user=user, office_id=office_id)
            liaisons[office_id] = user.pk

    facts_pool = generate.consultations(snapshot, filers, min(count, 50_000), seed=seed_value)
    now = timezone.now()
    counters = dict(ReferenceCounter.objects.values_list("year", "last"))
    with connection.cursor() as cursor:
        # Numbers already used, also by an interrupted earlier run that never saved its counters.
        cursor.execute(
            "SELECT substring(reference from 5 for 4)::int, max(substring(reference from 10)::int) "
            "FROM consult_consultation WHERE reference LIKE 'BNS-%%' GROUP BY 1"
        )
        for year, last in cursor.fetchall():
            counters[year] = max(counters.get(year, 0), last)
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM consult_consultation")
        next_id = cursor.fetchone()[0] + 1

    columns = {
        "consult_consultation": "id, reference, title, body, status, policy_area_id, filer_id, filed_by_id, urgency, priority, "
        "primary_office_id, routed_office_id, assignee_id, rule_set_id, rule_name, routing_explanation, "
        "routing_explanation_en, triage_reason, sla_policy_id, clock_started_at, first_response_due_at, resolution_due_at, "
        "paused_since, first_responded_at, resolved_at, closed_at, withdrawn_at, transfer_count, created_at, updated_at",
        "consult_officehandling": "consultation_id, office_id, started_at",
        "consult_cofiler": "consultation_id, local_government_id",
        "consult_collaborator": "consultation_id, office_id, invited_at, by_routing",
        "consult_event": "consultation_id, kind, actor_id, from_status, to_status, from_office_id, to_office_id, reason, data, internal, created_at",
        "consult_message": "consultation_id, author_id, author_office_id, kind, internal, body, mentions, created_at",
    }
    totals = dict.fromkeys(columns, 0)
    started = time.perf_counter()
    done = 0
    decisions: dict[int, tuple] = {}  # the pool repeats: decide each pooled consultation once
    while done < count:
        size = min(CHUNK, count - done)
        rows = {table: [] for table in columns}
        for _ in range(size):
            pick = rng.randrange(len(facts_pool))
            facts = facts_pool[pick]
            created = now - datetime.timedelta(seconds=rng.randrange(0, days * 86400))
            created = CAL.clock_start(created) if rng.random() < 0.9 else created
            if pick not in decisions:
                decided = decide(facts, compiled, snapshot)
                decisions[pick] = (decided, decided.explanation_ja)
            decision, explanation = decisions[pick]
            office = decision.primary_office
            office_id = offices[office.slug] if office else None
            status = _status_for((now - created).total_seconds() / 86400, rng)
            if office is None and status != "withdrawn":
                status = "triage"
            year = timezone.localtime(created).year
            counters[year] = counters.get(year, 0) + 1
            cid = next_id
            next_id += 1
            filer_user = staff[facts.filer.code]
            liaison = liaisons.get(office_id)
            first_due = CAL.add(created, 2 * day)
            resolution_due = CAL.add(created, 10 * day)
            # As the services record them on the events that set them (none moves them here).
            deadlines = json.dumps(
                {
                    "deadlines": {
                        "first_response_due_at": first_due.isoformat(),
                        "resolution_due_at": resolution_due.isoformat(),
                    }
                }
            )
            responded = resolved = closed = withdrawn = paused = None
            events = [
                (
                    "filed",
                    filer_user,
                    "",
                    status if status == "triage" else "open",
                    None,
                    None,
                    "",
                    deadlines,
                    False,
                    created,
                )
            ]
            events.append(("routed" if office else "triaged", None, "", "", None, office_id, "", "{}", False, created))
            messages = []
            t = created
            if status in ("in_progress", "awaiting_filer", "resolved", "closed"):
                t = CAL.add(t, rng.randrange(600, 3 * day))
                events.append(("accepted", liaison, "open", "in_progress", None, None, "", "{}", False, t))
                t = CAL.add(t, rng.randrange(60, day))
                responded = t
                messages.append((liaison, office_id, "reply", False, rng.choice(REPLIES), t))
                events.append(("replied", liaison, "", "", None, None, "", "{}", False, t))
                if rng.random() < 0.5:
                    t = CAL.add(t, rng.randrange(600, 2 * day))
                    messages.append((filer_user, None, "reply", False, rng.choice(FILER_REPLIES), t))
                    events.append(("replied", filer_user, "", "", None, None, "", "{}", False, t))
            if status == "awaiting_filer":
                t = CAL.add(t, rng.randrange(600, day))
                paused = t
                messages.append((liaison, office_id, "info_request", False, "追加の資料をお送りください。", t))
                events.append(
                    ("info_requested", liaison, "in_progress", "awaiting_filer", None, None, "", deadlines, False, t)
                )
            if status in ("resolved", "closed"):
                t = CAL.add(t, rng.randrange(600, 12 * day))
                resolved = t
                messages.append((liaison, office_id, "resolution", False, rng.choice(RESOLUTIONS), t))
                events.append(("resolved", liaison, "in_progress", "resolved", None, None, "", deadlines, False, t))
            if status == "closed":
                t = CAL.add(t, rng.randrange(600, 5 * day))
                closed = t
                events.append(("closed", filer_user, "resolved", "closed", None, None, "", "{}", False, t))
            if status == "withdrawn":
                t = CAL.add(t, rng.randrange(600, 3 * day))
                withdrawn = t
                events.append(("withdrawn", filer_user, "open", "withdrawn", None, None, "", deadlines, False, t))
            if t > now:
                t = now
            rows["consult_consultation"].append(
                (
                    cid, f"BNS-{year}-{counters[year]:06d}", facts.title, facts.body, status, areas[facts.policy_area],
                    facts.filer.code, filer_user, facts.urgency, decision.priority, office_id, office_id,
                    liaison if status not in ("open", "triage", "withdrawn") else None, rule_set.pk,
                    decision.rule.name if decision.rule else "", explanation, "", decision.triage_reason,
                    policy.pk, CAL.clock_start(created), first_due, resolution_due, paused, responded, resolved, closed,
                    withdrawn, 0, created, t,
                )
            )  # fmt: skip
            if office_id:
                rows["consult_officehandling"].append((cid, office_id, created))
            for other in facts.co_filers:
                if other.code != facts.filer.code:
                    rows["consult_cofiler"].append((cid, other.code))
            for collaborator in decision.collaborators:
                rows["consult_collaborator"].append((cid, offices[collaborator.slug], created, True))
            for kind, actor, frm, to, from_office, to_office, reason, data, internal, at in events:
                rows["consult_event"].append(
                    (cid, kind, actor, frm, to, from_office, to_office, reason, data, internal, at)
                )
            for author, author_office, kind, internal, body, at in messages:
                rows["consult_message"].append((cid, author, author_office, kind, internal, body, "{}", at))
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.connection
            for table, table_rows in rows.items():
                # Co-filers may repeat within a joint consultation of the pool: keep each pair once.
                if table == "consult_cofiler":
                    table_rows = list(dict.fromkeys(table_rows))
                with raw.cursor().copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                    for row in table_rows:
                        copy.write_row(row)
                totals[table] += len(table_rows)
        done += size
        rate = done / (time.perf_counter() - started)
        out(f"  {done:>9,} consultations ({rate:,.0f}/s)")
    with transaction.atomic():
        for year, last in counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('consult_consultation', 'id'), %s)", [next_id - 1])
    with connection.cursor() as cursor:
        # As autovacuum would: statistics, and the visibility map for index-only scans.
        # Every table written here: without statistics the planner takes a
        # consultation's messages for thousands of rows and plans a parallel scan.
        cursor.execute(
            "VACUUM ANALYZE consult_consultation, consult_officehandling, consult_cofiler, consult_collaborator,"
            " consult_message, consult_attachment, consult_event, accounts_user, accounts_officemembership"
        )
    totals["seconds"] = round(time.perf_counter() - started, 1)
    totals["consultations_total"] = Consultation.objects.count()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from bench.support import prepare_database

    prepare_database()
    totals = seed(args.count, seed_value=args.seed)
    print(json.dumps(totals, ensure_ascii=False))


if __name__ == "__main__":
    main()
