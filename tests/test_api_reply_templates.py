"""Reply templates in the API: the owners' list and changes, 404 outside a person's
rights, the text filled in for a consultation, and the use counted with the message."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import services
from consult.models import ReplyTemplate, TemplateScope
from consult.reply_templates import Owner
from routing.models import Office

pytestmark = pytest.mark.django_db
LIST = "/api/v1/reply-templates/"


def detail(pk):
    return f"{LIST}{pk}/"


def render_url(consultation, template):
    return f"/api/v1/consultations/{consultation.pk}/reply-templates/{template.pk}/render/"


@pytest.fixture
def kanto_maff():
    return Office.objects.get(slug="maff-rab-kanto")


@pytest.fixture
def owned(people, kanto_maff):
    meti = Office.objects.get(slug="meti-rbe-kanto")
    return {
        "office": services.create_reply_template(
            actor=people["maff"], owner=Owner(TemplateScope.OFFICE, office_id=kanto_maff.pk),
            name="受付", body="{自治体名} 様、{受付番号} は {担当者} が担当します。"),
        "meti": services.create_reply_template(
            actor=people["meti"], owner=Owner(TemplateScope.OFFICE, office_id=meti.pk), name="経産", body="経産"),
        "secretariat": services.create_reply_template(
            actor=people["secretariat"], owner=Owner(TemplateScope.SECRETARIAT), name="全体", body="{回答期限}まで"),
    }  # fmt: skip


def test_the_list_is_what_each_person_may_use(api, people, owned):
    body = api(people["maff"]).get(LIST).json()
    assert [(t["name"], t["scope"], t["editable"]) for t in body] == [("全体", "secretariat", False),
                                                                      ("受付", "office", True)]  # fmt: skip
    office_row = body[1]
    assert office_row["office"] == {"slug": "maff-rab-kanto", "name": "関東農政局"}
    assert office_row["ministry"] is None and office_row["use_count"] == 0
    assert office_row["created_by"] == {"id": people["maff"].pk, "name": people["maff"].display_name}
    assert [t["name"] for t in api(people["secretariat"]).get(LIST).json()] == ["全体"]
    assert api(people["matsumoto"]).get(LIST).json() == []
    assert api(None).get(LIST).status_code in (401, 403)


def test_the_list_takes_the_same_queries_for_one_or_many(api, people, kanto_maff):
    client = api(people["maff"])
    owner = Owner(TemplateScope.OFFICE, office_id=kanto_maff.pk)
    services.create_reply_template(actor=people["maff"], owner=owner, name="t", body="b")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    client.get(LIST)  # reference maps
    one = count()
    for n in range(20):
        services.create_reply_template(actor=people["maff_lead"], owner=owner, name=f"t{n}", body="b")
    services.create_reply_template(actor=people["maff"], name="m", body="b",
                                   owner=Owner(TemplateScope.MINISTRY, ministry_id=kanto_maff.ministry_id))  # fmt: skip
    assert count() == one


def test_create_for_an_owner_one_may_write_for(api, people, kanto_maff):
    client = api(people["maff"])
    created = client.post(LIST, {"scope": "ministry", "ministry": "maff", "name": "農水共通", "body": "本文"},
                          format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["ministry"]["slug"] == "maff" and created.json()["editable"] is True
    refused = client.post(LIST, {"scope": "office", "office": "meti-rbe-kanto", "name": "x", "body": "y"},
                          format="json")  # fmt: skip
    assert refused.status_code == 403
    assert client.post(LIST, {"scope": "secretariat", "name": "x", "body": "y"}, format="json").status_code == 403
    missing = client.post(LIST, {"scope": "office", "name": "x", "body": "y"}, format="json")
    assert missing.status_code == 400 and "office" in missing.json()["errors"]
    assert client.post(LIST, {"scope": "office", "office": "maff-rab-kanto", "name": " ", "body": "y"},
                       format="json").status_code == 400  # fmt: skip
    assert not ReplyTemplate.objects.filter(name="x").exists()


def test_detail_patch_and_delete(api, people, owned):
    template = owned["office"]
    colleague = api(people["maff_lead"])
    assert colleague.get(detail(template.pk)).json()["name"] == "受付"
    changed = colleague.patch(detail(template.pk), {"body": "新しい本文"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["body"]) == ("受付", "新しい本文")
    assert changed.json()["updated_by"]["id"] == people["maff_lead"].pk
    # Another office's liaison: 404 for everything.
    other = api(people["meti"])
    assert other.get(detail(template.pk)).status_code == 404
    assert other.patch(detail(template.pk), {"name": "x"}, format="json").status_code == 404
    assert other.delete(detail(template.pk)).status_code == 404
    # The secretariat's template: a liaison may read it, not change it.
    secretariat = owned["secretariat"]
    assert api(people["maff"]).get(detail(secretariat.pk)).status_code == 200
    assert api(people["maff"]).patch(detail(secretariat.pk), {"name": "x"}, format="json").status_code == 403
    assert api(people["maff"]).delete(detail(secretariat.pk)).status_code == 403
    assert api(people["matsumoto"]).get(detail(secretariat.pk)).status_code == 404
    assert colleague.delete(detail(template.pk)).status_code == 204
    assert colleague.get(detail(template.pk)).status_code == 404


def test_render_for_a_consultation(api, people, file, owned):
    consultation = file(people["matsumoto"])
    response = api(people["maff"]).post(render_url(consultation, owned["office"]))
    assert response.status_code == 200
    assert response.json() == {
        "body": f"松本市 様、{consultation.reference} は {people['maff'].display_name} が担当します。"
    }
    # Outside the visibility of either: 404.
    assert api(people["maff"]).post(render_url(consultation, owned["meti"])).status_code == 404
    assert api(people["meti"]).post(render_url(consultation, owned["meti"])).status_code == 404
    assert api(people["matsumoto"]).post(render_url(consultation, owned["secretariat"])).status_code == 404
    assert api(people["secretariat"]).post(render_url(consultation, owned["secretariat"])).status_code == 200


def test_a_message_sent_with_a_template_counts_its_use(api, people, file, owned):
    consultation = file(people["matsumoto"])
    client = api(people["maff"])
    url = f"/api/v1/consultations/{consultation.pk}/messages/"
    assert client.post(url, {"body": "", "template": owned["office"].pk}, format="json").status_code == 400
    assert client.post(url, {"body": "編集した文", "template": owned["office"].pk}, format="json").status_code == 201
    assert client.post(url, {"body": "テンプレートなし"}, format="json").status_code == 201
    owned["office"].refresh_from_db()
    assert owned["office"].use_count == 1
    assert client.get(LIST).json()[1]["use_count"] == 1
