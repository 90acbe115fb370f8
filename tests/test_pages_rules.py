"""The secretariat's routing-rules pages: readable table, draft editing with
validation, simulation, replay and publication; everyone else gets 404."""

import pytest
from django.urls import reverse
from django.utils import translation

from routing import selectors, services
from routing.describe import describe_actions, describe_conditions
from routing.models import Rule, RuleSet, RuleSetStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretariat_client(client, people):
    client.force_login(people["secretariat"])
    return client


@pytest.fixture
def draft(people):
    return services.create_draft(actor=people["secretariat"])


def test_the_rule_set_in_effect_reads_as_words(secretariat_client):
    response = secretariat_client.get(reverse("routing-rules"))
    assert response.status_code == 200
    text = response.content.decode()
    in_effect = selectors.rule_set_in_effect()
    assert f"第{in_effect.version}版" in text
    # Policy areas and branch systems by name, not by slug.
    assert "施策分野: スマート農林水産業・食品産業" in text
    assert "管轄する地方農政局" in text


def test_describe_is_readable_in_both_languages():
    reference = selectors.reference_snapshot()
    conditions = {"policy_areas": ["smart-agri"], "prefectures": ["20"], "urgency": ["urgent", "normal"],
                  "kinds": ["city", "town"], "joint": True}  # fmt: skip
    actions = {"route_to": {"triage": True}, "collaborators": [{"branch_of": "maff-rab"}], "joint_collaborators": False}
    with translation.override("ja"):
        assert describe_conditions(conditions, reference) == [
            "施策分野: スマート農林水産業・食品産業",
            "都道府県: 長野県",
            "緊急度: 緊急、通常",
            "団体の種別: 市、町",
            "共同相談: はい",
        ]
        assert describe_actions(actions, reference) == [
            "振り分け先: 事務局の振り分け待ち",
            "協力部局: 管轄する地方農政局",
            "共同提出団体を管轄する部局の協力: なし",
        ]
    with translation.override("en"):
        english = describe_conditions(conditions, reference)
        assert english[0] == f"Policy area: {reference.policy_areas['smart-agri'][1]}"
        assert english[1:] == [
            "Prefecture: 長野県",  # prefectures are named in Japanese only
            "Urgency: Urgent; Normal",
            "Kind of local government: City; Town",
            "Joint: yes",
        ]
        system = reference.systems["maff-rab"].name_en
        assert describe_actions(actions, reference) == [
            "Route to: the secretariat's triage",
            f"Collaborators: the {system} office whose jurisdiction covers the filer",
            "Co-filers' own branch offices collaborate: no",
        ]


@pytest.mark.parametrize("who", ["matsumoto", "maff", "maff_lead"])
def test_other_roles_get_404_everywhere(client, people, draft, who):
    client.force_login(people[who])
    rule = draft.rules.first()
    published = selectors.rule_set_in_effect()
    for url in [
        reverse("routing-rules"),
        reverse("routing-rules-version", args=[published.pk]),
        reverse("routing-rules-draft", args=[draft.pk]),
        reverse("routing-rules-rule-new", args=[draft.pk]),
        reverse("routing-rules-rule", args=[draft.pk, rule.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for name in ["routing-rules-simulate", "routing-rules-replay", "routing-rules-publish"]:
        assert client.post(reverse(name, args=[draft.pk]), {"note": "x"}).status_code == 404, name
    assert client.post(reverse("routing-rules-rule-delete", args=[draft.pk, rule.pk])).status_code == 404
    assert client.post(reverse("routing-rules"), {}).status_code == 404
    assert RuleSet.objects.filter(status=RuleSetStatus.DRAFT).count() == 1


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(reverse("routing-rules"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_create_a_draft_from_the_version_in_effect(secretariat_client):
    response = secretariat_client.post(reverse("routing-rules"), {"based_on": selectors.rule_set_in_effect().pk})
    draft = RuleSet.objects.get(status=RuleSetStatus.DRAFT)
    assert response["Location"] == reverse("routing-rules-draft", args=[draft.pk])
    assert draft.rules.count() == selectors.rule_set_in_effect().rules.count()
    page = secretariat_client.get(response["Location"]).content.decode()
    assert "規則セット全体の検証に通っています" in page


def test_adding_a_rule_validates_each_field(secretariat_client, draft):
    url = reverse("routing-rules-rule-new", args=[draft.pk])
    response = secretariat_client.post(
        url,
        {"name": "", "priority": "5", "conditions": "{not json", "actions": '{"route_to": {"office": "nowhere"}}'},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'class="error-summary"' in text
    # The JSON error at its field and in the summary.
    assert text.count("JSON として読めません") == 2
    assert 'href="#id_conditions"' in text and 'id="id_conditions-error"' in text
    assert 'href="#id_name"' in text

    response = secretariat_client.post(
        url,
        {"name": "架空の部局へ", "priority": "5", "conditions": "{}", "actions": '{"route_to": {"office": "nowhere"}}'},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "actions.route_to" in text and 'id="id_actions-error"' in text
    assert not draft.rules.filter(name="架空の部局へ").exists()


def test_edit_a_rule_then_publish_with_a_note(secretariat_client, draft, people):
    rule = draft.rules.get(conditions__policy_areas=["smart-agri"])
    response = secretariat_client.post(
        reverse("routing-rules-rule", args=[draft.pk, rule.pk]),
        {
            "name": rule.name,
            "priority": rule.priority,
            "enabled": "on",
            "conditions": '{"policy_areas": ["smart-agri"]}',
            "actions": '{"route_to": {"office": "maff-hq"}}',
            "description": "本省で直接受ける",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.actions == {"route_to": {"office": "maff-hq"}}

    # Simulation compares the draft with the version in effect.
    response = secretariat_client.post(
        reverse("routing-rules-simulate", args=[draft.pk]),
        {"local_government": "202029", "policy_area": "smart-agri", "urgency": "normal"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "関東農政局" in text and "農林水産省" in text

    # Publishing needs a note.
    response = secretariat_client.post(reverse("routing-rules-publish", args=[draft.pk]), {"note": ""})
    assert response.status_code == 400 and 'id="id_note-error"' in response.content.decode()
    response = secretariat_client.post(reverse("routing-rules-publish", args=[draft.pk]), {"note": "本省で受ける試行"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.PUBLISHED and draft.note == "本省で受ける試行"
    assert draft.published_by == people["secretariat"]


def test_a_draft_that_does_not_validate_is_not_published(secretariat_client, draft):
    first = draft.rules.order_by("priority", "id").first()
    # A catch-all routing rule above everything else shadows the rest.
    Rule.objects.create(rule_set=draft, name="すべて本省へ", priority=first.priority - 1, conditions={},
                        actions={"route_to": {"office": "maff-hq"}})  # fmt: skip
    page = secretariat_client.get(reverse("routing-rules-draft", args=[draft.pk])).content.decode()
    assert "公開できない問題が" in page and "すべて本省へ" in page
    response = secretariat_client.post(reverse("routing-rules-publish", args=[draft.pk]), {"note": "試す"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT


def test_replay_shows_what_would_move(secretariat_client, draft, people, file):
    file(people["matsumoto"])  # smart-agri → 関東農政局
    rule = draft.rules.get(conditions__policy_areas=["smart-agri"])
    services.save_rule(draft=draft, rule=rule, name=rule.name, priority=rule.priority,
                       conditions=rule.conditions, actions={"route_to": {"office": "maff-hq"}})  # fmt: skip
    response = secretariat_client.post(reverse("routing-rules-replay", args=[draft.pk]))
    text = response.content.decode()
    assert "1件中 1件の振り分け先が変わります" in text
    assert "関東農政局" in text


def test_delete_a_rule(secretariat_client, draft):
    rule = draft.rules.first()
    response = secretariat_client.post(reverse("routing-rules-rule-delete", args=[draft.pk, rule.pk]))
    assert response.status_code == 302
    assert not Rule.objects.filter(pk=rule.pk).exists()


def test_published_versions_cannot_be_edited_from_the_page(secretariat_client):
    published = selectors.rule_set_in_effect()
    rule = published.rules.first()
    assert secretariat_client.get(reverse("routing-rules-draft", args=[published.pk])).status_code == 404
    assert secretariat_client.get(reverse("routing-rules-rule", args=[published.pk, rule.pk])).status_code == 404
