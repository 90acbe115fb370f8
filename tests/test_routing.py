"""Routing with the database: rule-set versions, simulation API, the route command."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from routing import decisions, selectors, services
from routing.business_time import JST
from routing.engine import RuleSetInvalid
from routing.models import PublishedRuleSetIsImmutable, Rule, RuleSet, RuleSetStatus
from tests.reference_snapshot import snapshot as csv_snapshot

pytestmark = pytest.mark.django_db
SIMULATE = "/api/v1/routing/simulate/"


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_database_snapshot_equals_the_reference_files():
    from_db = selectors.reference_snapshot()
    from_files = csv_snapshot()
    assert from_db.offices == from_files.offices
    assert from_db.jurisdictions == from_files.jurisdictions
    assert from_db.policy_areas == from_files.policy_areas
    assert from_db.local_governments == from_files.local_governments
    assert from_db.sla_policies == from_files.sla_policies


def test_the_default_rule_set_is_version_one_and_loaded_once():
    published = RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED)
    assert list(published.values_list("version", flat=True)) == [1]
    assert published.get().rules.count() == 31
    call_command("load_reference_data", verbosity=0)
    assert published.count() == 1


def _draft_with(*rules):
    draft = services.create_draft(name="改定案")
    services.add_rules(draft=draft, rules=list(rules))
    return draft


def test_publishing_an_invalid_set_fails_whole():
    draft = _draft_with(
        {"name": "壊れた規則", "priority": 1, "conditions": {"policy_areas": ["nope"]}, "actions": {"route_to": {"office": "x"}}},
        {"name": "影の規則", "priority": 200, "conditions": {"policy_areas": ["smart-agri"]}, "actions": {"route_to": {"office": "maff-hq"}}},
    )  # fmt: skip
    with pytest.raises(RuleSetInvalid) as excinfo:
        services.publish_rule_set(draft=draft, note="x")
    messages = [str(error) for error in excinfo.value.errors]
    assert any("壊れた規則" in m and "conditions.policy_areas" in m for m in messages)
    assert any("壊れた規則" in m and "actions.route_to" in m for m in messages)
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT and draft.version is None
    assert RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).count() == 1


def test_a_shadowed_rule_in_a_draft_blocks_publication():
    draft = _draft_with(
        {"name": "影の規則", "priority": 200, "conditions": {"policy_areas": ["smart-agri"]}, "actions": {"route_to": {"office": "maff-hq"}}},
    )  # fmt: skip
    with pytest.raises(RuleSetInvalid, match="影の規則"):
        services.publish_rule_set(draft=draft)


def test_publishing_numbers_versions_and_freezes_them(demo_accounts):
    secretariat = demo_accounts["secretariat@cao.example.go.jp"]
    draft = _draft_with(
        {"name": "ドローンは本省へ", "priority": 50, "conditions": {"policy_areas": ["smart-agri"], "keywords": ["ドローン"]},
         "actions": {"route_to": {"office": "maff-hq"}}},
    )  # fmt: skip
    published = services.publish_rule_set(draft=draft, actor=secretariat, note="ドローン相談を本省へ")
    assert (published.version, published.status, published.published_by) == (2, "published", secretariat)
    assert selectors.rule_set_in_effect() == published
    rule = published.rules.get(name="ドローンは本省へ")
    rule.priority = 1
    with pytest.raises(PublishedRuleSetIsImmutable):
        rule.save()
    with pytest.raises(PublishedRuleSetIsImmutable):
        rule.delete()
    with pytest.raises(RuleSetInvalid, match="公開済み"):
        services.publish_rule_set(draft=published)


def test_a_consultation_is_routed_by_the_version_in_effect_at_filing():
    before = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=JST)
    later = datetime.datetime(2027, 4, 1, 0, 0, tzinfo=JST)
    draft = _draft_with(
        {"name": "ドローンは本省へ", "priority": 50, "conditions": {"policy_areas": ["smart-agri"], "keywords": ["ドローン"]},
         "actions": {"route_to": {"office": "maff-hq"}}},
    )  # fmt: skip
    services.publish_rule_set(draft=draft, effective_from=later)
    facts = decisions.consultation_facts(local_government="202029", policy_area="smart-agri", title="ドローン")
    now_routing = decisions.route(facts, at=before)
    assert now_routing.decision.primary_office.slug == "maff-rab-kanto"
    assert now_routing.decision.rule.version == 1
    later_routing = decisions.route(facts, at=later)
    assert later_routing.decision.primary_office.slug == "maff-hq"
    assert later_routing.decision.rule.version == 2


def test_a_draft_copies_the_version_in_effect():
    draft = services.create_draft()
    assert draft.based_on.version == 1
    assert draft.rules.count() == 31
    Rule.objects.filter(rule_set=draft, name__startswith="その他").get().delete()
    assert selectors.rule_set_in_effect().rules.count() == 31


# --- the simulate API -----------------------------------------------------------------------


def test_simulate_gives_routing_and_deadlines(demo_accounts):
    response = api_for(demo_accounts["liaison@kanto.maff.example.go.jp"]).post(
        SIMULATE,
        {"local_government": "202029", "policy_area": "smart-agri", "submitted_at": "2026-12-28T16:00:00+09:00"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["routing"]["primary_office"] == {"slug": "maff-rab-kanto", "name": "関東農政局", "ministry": "maff"}
    assert body["routing"]["rule"]["version"] == 1
    assert "長野県は関東農政局の管轄" in body["routing"]["explanation"]
    assert body["first_response_due_at"] == "2027-01-05T16:00:00+09:00"
    assert body["resolution_due_at"] == "2027-01-18T16:00:00+09:00"


def test_simulate_joint_and_urgent(demo_accounts):
    body = (
        api_for(demo_accounts["secretariat@cao.example.go.jp"])
        .post(
            SIMULATE,
            {
                "local_government": "151009",
                "policy_area": "digital-infra",
                "co_filers": ["202029", "221007"],
                "urgency": "urgent",
                "submitted_at": "2026-09-18T10:00:00+09:00",
            },
            format="json",
        )
        .json()
    )
    assert body["routing"]["primary_office"]["slug"] == "mic-bct-shinetsu"
    assert [office["slug"] for office in body["routing"]["collaborators"]] == ["mic-bct-tokai"]
    assert body["sla_policy"]["slug"] == "urgent"
    assert body["first_response_due_at"] == "2026-09-24T10:00:00+09:00"


def test_staff_may_simulate_for_their_own_local_government_only(demo_accounts):
    staff = api_for(demo_accounts["staff@matsumoto.example.lg.jp"])
    assert (
        staff.post(SIMULATE, {"local_government": "202029", "policy_area": "other"}, format="json").status_code == 200
    )
    other = staff.post(SIMULATE, {"local_government": "151009", "policy_area": "other"}, format="json")
    assert other.status_code == 403
    assert (
        APIClient().post(SIMULATE, {"local_government": "202029", "policy_area": "other"}, format="json").status_code
        == 401
    )


@pytest.mark.parametrize(
    ("payload", "field", "needle"),
    [
        ({"policy_area": "smart-agri"}, "local_government", ""),
        ({"local_government": "202028", "policy_area": "smart-agri"}, "local_government", "検査数字"),
        ({"local_government": "202029", "policy_area": "nope"}, "policy_area", "nope"),
        ({"local_government": "202029", "policy_area": "smart-agri", "co_filers": ["999999"]}, "co_filers", "999999"),
        ({"local_government": "202029", "policy_area": "smart-agri", "submitted_at": "yesterday"}, "submitted_at", ""),
        ({"local_government": "202029", "policy_area": "smart-agri", "urgency": "panic"}, "urgency", ""),
    ],
)
def test_simulate_names_the_bad_field(demo_accounts, payload, field, needle):
    response = api_for(demo_accounts["secretariat@cao.example.go.jp"]).post(SIMULATE, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert needle in json.dumps(body, ensure_ascii=False)
    assert field in body["detail"]


# --- the route command ----------------------------------------------------------------------


def test_route_command_prints_decision_and_deadlines(capsys):
    call_command("route", "--local-government", "202029", "--policy-area", "smart-agri", "--at", "2026-11-21T11:00")
    out = capsys.readouterr().out
    assert "担当: 関東農政局 [maff-rab-kanto]" in out
    assert "長野県は関東農政局の管轄" in out
    assert "時計の開始 2026-11-24T08:30:00+09:00" in out
    assert "初回回答期限: 2026-11-25T17:15:00+09:00" in out


def test_route_command_json_and_triage(capsys):
    call_command("route", "--local-government", "131016", "--policy-area", "other", "--json")
    body = json.loads(capsys.readouterr().out)
    assert body["routing"]["primary_office"] is None
    assert body["routing"]["triage_reason"]


def test_route_command_rejects_bad_input():
    with pytest.raises(CommandError, match="--local-government"):
        call_command("route", "--local-government", "202028", "--policy-area", "smart-agri")
    with pytest.raises(CommandError, match="--policy-area"):
        call_command("route", "--local-government", "202029", "--policy-area", "nope")


# --- admin ------------------------------------------------------------------------------------


def test_admin_publish_action_reports_errors_and_publishes(client, demo_accounts):
    client.force_login(demo_accounts["secretariat@cao.example.go.jp"])
    bad = _draft_with({"name": "壊れた規則", "priority": 1, "conditions": {}, "actions": {}})
    response = client.post("/admin/routing/ruleset/", {"action": "publish", "_selected_action": [bad.pk]}, follow=True)
    assert "壊れた規則" in response.content.decode()
    bad.refresh_from_db()
    assert bad.status == "draft"
    good = services.create_draft()
    client.post("/admin/routing/ruleset/", {"action": "publish", "_selected_action": [good.pk]})
    good.refresh_from_db()
    assert good.version == 2


# --- replay -----------------------------------------------------------------------------------


def test_replay_reports_a_known_difference_after_a_rule_change(people, file, capsys):
    drone = file(people["matsumoto"], title="ドローンで農薬散布", body="散布の補助について")
    file(people["matsumoto"], title="スマート農業の補助", body="センサーで水田を管理したい")
    file(people["niigata"], policy_area="grant", co_filers=["202029"])
    file(people["niigata"], policy_area="other")
    draft = _draft_with(
        {"name": "ドローンは本省へ", "priority": 50, "conditions": {"policy_areas": ["smart-agri"], "keywords": ["ドローン"]},
         "actions": {"route_to": {"office": "maff-hq"}}},
        {"name": "その他もデジタル庁へ", "priority": 60, "conditions": {"policy_areas": ["other"], "prefectures": ["15"]},
         "actions": {"route_to": {"office": "digital-hq"}}},
    )  # fmt: skip
    from routing.replay import replay_rule_set

    report = replay_rule_set(rule_set=draft)
    assert (report.total, report.changed) == (4, 2)
    assert report.moves == {("maff-rab-kanto", "maff-hq"): 1, ("triage", "digital-hq"): 1}
    assert report.examples[("maff-rab-kanto", "maff-hq")] == [drone.reference]
    call_command("replay_rules", "--rule-set", str(draft.pk), "--limit", "10")
    out = capsys.readouterr().out
    assert "4 consultations replayed, 2 routed differently" in out
    assert "maff-rab-kanto → maff-hq: 1" in out


def test_replay_of_the_version_in_effect_changes_nothing(people, file):
    from routing.replay import replay_rule_set

    for code in ["202029", "151009", "221007"]:
        actor = {"202029": people["matsumoto"], "151009": people["niigata"], "221007": people["shizuoka"]}[code]
        file(actor, policy_area="digital-infra")
    report = replay_rule_set(rule_set=selectors.rule_set_in_effect())
    assert (report.total, report.changed) == (3, 0)


def test_replay_refuses_an_invalid_draft(people, file):
    draft = _draft_with({"name": "壊れた規則", "priority": 1, "conditions": {}, "actions": {}})
    with pytest.raises(CommandError, match="does not validate"):
        call_command("replay_rules", "--rule-set", str(draft.pk))


def test_admin_replay_action(client, people, file):
    file(people["matsumoto"], title="ドローン")
    client.force_login(people["secretariat"])
    draft = _draft_with(
        {
            "name": "ドローンは本省へ",
            "priority": 50,
            "conditions": {"keywords": ["ドローン"]},
            "actions": {"route_to": {"office": "maff-hq"}},
        }
    )
    response = client.post("/admin/routing/ruleset/", {"action": "replay", "_selected_action": [draft.pk]}, follow=True)
    assert "1 consultations replayed, 1 routed differently" in response.content.decode()


def test_extra_closed_days_as_data_move_deadlines(people, file):
    from routing.models import ClosedDay, Office

    ClosedDay.objects.create(date=datetime.date(2026, 11, 27), name="庁舎停電")
    ClosedDay.objects.create(
        date=datetime.date(2026, 11, 30), office=Office.objects.get(slug="maff-rab-kanto"), name="移転"
    )
    facts = decisions.consultation_facts(local_government="202029", policy_area="smart-agri")
    at = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
    # 関東農政局 is closed on 27 Nov (everyone) and 30 Nov (this office): day 1 is 1 Dec, day 2 is 2 Dec.
    assert decisions.route(facts, at=at).deadlines.first_response_due_at == datetime.datetime(
        2026, 12, 2, 10, 0, tzinfo=JST
    )
    other = decisions.consultation_facts(local_government="151009", policy_area="sme-dx")
    assert decisions.route(other, at=at).deadlines.first_response_due_at == datetime.datetime(
        2026, 12, 1, 10, 0, tzinfo=JST
    )
    consultation = file(people["matsumoto"], now=at)
    assert consultation.first_response_due_at == datetime.datetime(2026, 12, 2, 10, 0, tzinfo=JST)


def test_an_edit_to_reference_data_renews_every_cached_snapshot(django_capture_on_commit_callbacks):
    from routing.models import PolicyArea

    before = selectors.reference_revision()
    selectors.reference_maps()
    area = PolicyArea.objects.get(slug="smart-agri")
    area.name_ja = "スマート農業（改）"
    with django_capture_on_commit_callbacks(execute=True):
        area.save()
    assert selectors.reference_revision() != before
    assert selectors.filing_references()[0]["smart-agri"].name_ja == "スマート農業（改）"
    assert selectors.reference_maps().policy_areas[area.pk][1] == "スマート農業（改）"
