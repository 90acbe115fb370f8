"""The deadlines each event set, recorded on the event (``Event.data["deadlines"]``)
for the history written before the consultation services recorded them.

The metrics used to work a consultation's deadlines out again from its history (the
replay below, as metrics.core.open_stretches did it up to now); they now read them
from the events. Computed here once with that replay, so that the figures of the
data already there do not change. Consultations whose deadlines no step moved get
the ones they have; the others are replayed. History rows are otherwise never
changed: the append-only trigger is set aside for this one backfill only.
"""

import json
from collections import defaultdict

from django.db import migrations
from django.db.models import Q

CHUNK = 2_000
# Steps of the replay.
TRANSFERRED, PAUSED, RESUMED, RESPONDED, RESOLVED, REOPENED, WITHDRAWN = (
    "transferred", "paused", "resumed", "responded", "resolved", "reopened", "withdrawn",
)  # fmt: skip
KINDS = {"transferred": TRANSFERRED, "routed_by_hand": TRANSFERRED, "info_requested": PAUSED, "resumed": RESUMED,
         "resolved": RESOLVED, "reopened": REOPENED, "withdrawn": WITHDRAWN}  # fmt: skip
# After one of these the deadlines are not the ones set at filing.
MOVING = ("transferred", "routed_by_hand", "info_requested", "reopened")
# The events that record deadlines (as consult's services record them from now on).
RECORDING = ("filed", "transferred", "routed_by_hand", "info_requested", "resumed", "resolved", "withdrawn",
             "reopened")  # fmt: skip


def _record(first, resolution) -> str:
    return json.dumps(
        {
            "deadlines": {
                "first_response_due_at": first.isoformat() if first else None,
                "resolution_due_at": resolution.isoformat() if resolution else None,
            }
        }
    )


def _calendars(apps):
    from routing.business_time import calendar_for

    ClosedDay = apps.get_model("routing", "ClosedDay")
    everywhere = frozenset(ClosedDay.objects.filter(office__isnull=True).values_list("date", flat=True))
    own = defaultdict(set)
    for office_id, day in ClosedDay.objects.filter(office__isnull=False).values_list("office_id", "date"):
        own[office_id].add(day)
    cache = {}

    def calendar_of(office_id):
        if office_id not in cache:
            cache[office_id] = calendar_for(everywhere | frozenset(own.get(office_id, ())))
        return cache[office_id]

    return calendar_of


def _replay(consultation, events, policy, calendar_of) -> dict[int, str]:
    """{event id: its deadlines} for the recording events of one consultation whose
    deadlines some step moved, as the metrics replayed them until now."""
    from routing.decisions import deadlines_for, target_seconds

    pk, filed_at, office = consultation
    first_target = target_seconds(policy.first_response_target, policy.unit)
    resolution_target = target_seconds(policy.resolution_target, policy.unit)
    filed = deadlines_for(policy, filed_at, calendar_of(office))
    first_due, resolution_due = filed.first_response_due_at, filed.resolution_due_at
    responded = False
    paused_since = None
    recorded = {}

    def end_pause(at):
        nonlocal paused_since, first_due, resolution_due
        if paused_since is None:
            return
        calendar = calendar_of(office)
        waited = calendar.elapsed(paused_since, at)
        if not responded and first_due is not None:
            first_due = calendar.add(first_due, waited)
        if resolution_due is not None:
            resolution_due = calendar.add(resolution_due, waited)
        paused_since = None

    for event_id, kind, at, to_office, internal, data in events:
        step = KINDS.get(kind)
        if kind == "replied" and not internal and set((data or {}).get("by", ())) & {"office", "collaborator"}:
            step = RESPONDED
        if step == TRANSFERRED:
            office = to_office
            if not responded:
                first_due = calendar_of(office).add(at, first_target)
        elif step == PAUSED:
            responded = True
            paused_since = paused_since or at
        elif step == RESUMED:
            end_pause(at)
        elif step == RESPONDED:
            responded = True
        elif step in (RESOLVED, WITHDRAWN):
            end_pause(at)
            responded = responded or step == RESOLVED
        elif step == REOPENED:
            resolution_due = calendar_of(office).add(at, resolution_target)
        if kind in RECORDING and "deadlines" not in (data or {}):
            recorded[event_id] = _record(first_due, resolution_due)
    return recorded


def forwards(apps, schema_editor):
    Consultation = apps.get_model("consult", "Consultation")
    Event = apps.get_model("consult", "Event")
    SlaPolicy = apps.get_model("routing", "SlaPolicy")
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    update = (
        "UPDATE consult_event SET data = data || %s::jsonb WHERE id = %s"
        if postgres
        else "UPDATE consult_event SET data = json_patch(data, %s) WHERE id = %s"
    )
    with connection.cursor() as cursor:
        if postgres:
            # No foreign-key check may be pending on the table when its triggers are altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE consult_event DISABLE TRIGGER consult_event_append_only")
            # Those whose deadlines no step moved record the ones they have, in one statement.
            cursor.execute(
                "UPDATE consult_event e SET data = e.data || jsonb_build_object('deadlines', jsonb_build_object("
                "'first_response_due_at', to_jsonb(c.first_response_due_at), "
                "'resolution_due_at', to_jsonb(c.resolution_due_at))) "
                "FROM consult_consultation c WHERE c.id = e.consultation_id AND e.kind = ANY(%s) "
                "AND NOT (e.data ? 'deadlines') AND NOT EXISTS (SELECT 1 FROM consult_event m "
                "WHERE m.consultation_id = c.id AND m.kind = ANY(%s))",
                [list(RECORDING), list(MOVING)],
            )
            moved = Consultation.objects.filter(events__kind__in=MOVING).distinct()
        else:
            moved = Consultation.objects.all()
        policies = {policy.pk: policy for policy in SlaPolicy.objects.all()}
        calendar_of = _calendars(apps)
        ids = list(moved.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = Consultation.objects.filter(pk__in=chunk).values_list(
                "pk", "created_at", "routed_office_id", "sla_policy_id", "first_response_due_at", "resolution_due_at"
            )
            events = defaultdict(list)
            for consultation_id, *event in (
                Event.objects.filter(consultation_id__in=chunk)
                .filter(Q(kind__in=RECORDING) | Q(kind="replied"))
                .order_by("created_at", "id")
                .values_list("consultation_id", "id", "kind", "created_at", "to_office_id", "internal", "data")
            ):
                events[consultation_id].append(event)
            updates = []
            for pk, filed_at, office, policy_id, first_due, resolution_due in rows:
                steps = events.get(pk, [])
                if any(kind in MOVING for _id, kind, *_rest in steps):
                    recorded = _replay((pk, filed_at, office), steps, policies[policy_id], calendar_of)
                else:  # nothing moved them: the ones it has
                    recorded = {
                        event_id: _record(first_due, resolution_due)
                        for event_id, kind, _at, _office, _internal, data in steps
                        if kind in RECORDING and "deadlines" not in (data or {})
                    }
                updates += [(value, event_id) for event_id, value in recorded.items()]
            if updates:
                cursor.executemany(update, updates)
        if postgres:
            cursor.execute("ALTER TABLE consult_event ENABLE TRIGGER consult_event_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0009_drop_unused_stretch_index"),
        ("consult", "0007_rating"),
        ("routing", "0003_closed_days"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
