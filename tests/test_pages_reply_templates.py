"""Reply templates on the pages: chosen in the reply form without JavaScript, sent
with the use counted once, and managed by their owners (others get 404)."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import services
from consult.models import Message, ReplyTemplate, TemplateScope
from consult.reply_templates import Owner
from routing.models import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def kanto_maff():
    return Office.objects.get(slug="maff-rab-kanto")


@pytest.fixture
def greeting(people, kanto_maff):
    return services.create_reply_template(
        actor=people["maff"], owner=Owner(TemplateScope.OFFICE, office_id=kanto_maff.pk),
        name="受付のお知らせ", body="{自治体名} ご担当者様\n{受付番号} を{担当部局}で受け付けました。{不明}")  # fmt: skip


@pytest.fixture
def meti_template(people):
    office = Office.objects.get(slug="meti-rbe-kanto")
    return services.create_reply_template(actor=people["meti"], owner=Owner(TemplateScope.OFFICE, office_id=office.pk),
                                          name="経産局の定型文", body="経産局です")  # fmt: skip


def page(c):
    return reverse("consultation", args=[c.pk])


def test_the_reply_form_offers_the_usable_templates(client_of, people, file, greeting, meti_template):
    consultation = file(people["matsumoto"])
    text = client_of(people["maff"]).get(page(consultation)).content.decode()
    assert 'name="template"' in text and "テンプレートを挿入" in text
    assert "受付のお知らせ" in text and "経産局の定型文" not in text
    # The filer has no templates and no picker.
    assert "テンプレートを挿入" not in client_of(people["matsumoto"]).get(page(consultation)).content.decode()


def test_without_javascript_the_page_reloads_with_the_text_filled_in(client_of, people, file, greeting):
    consultation = file(people["matsumoto"])
    response = client_of(people["maff"]).get(page(consultation), {"template": greeting.pk})
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert f"松本市 ご担当者様\n{consultation.reference} を関東農政局で受け付けました。{{不明}}</textarea>" in text
    assert f'name="reply-template" value="{greeting.pk}"' in text
    assert re.search(rf'<option value="{greeting.pk}"\s+selected>', response.content.decode())


def test_another_offices_template_fills_nothing(client_of, people, file, meti_template):
    consultation = file(people["matsumoto"])
    response = client_of(people["maff"]).get(page(consultation), {"template": meti_template.pk})
    assert response.status_code == 200
    assert "経産局です" not in response.content.decode()
    assert 'name="reply-template"' in response.content.decode()
    assert f'value="{meti_template.pk}"' not in response.content.decode()


def test_sending_the_edited_text_counts_the_use_once(client_of, people, file, greeting):
    consultation = file(people["matsumoto"])
    client = client_of(people["maff"])
    url = reverse("consultation-action", args=[consultation.pk, "reply"])
    # A refused post (empty text) counts nothing.
    assert client.post(url, {"reply-body": " ", "reply-template": greeting.pk}).status_code == 400
    greeting.refresh_from_db()
    assert greeting.use_count == 0
    response = client.post(url, {"reply-body": "松本市 ご担当者様（編集済み）", "reply-template": greeting.pk})
    assert response.status_code == 302
    assert Message.objects.get(consultation=consultation).body == "松本市 ご担当者様（編集済み）"
    greeting.refresh_from_db()
    assert greeting.use_count == 1


def test_the_list_shows_what_each_person_may_use_and_edit(client_of, people, greeting, meti_template):
    secretariat_template = services.create_reply_template(
        actor=people["secretariat"], owner=Owner(TemplateScope.SECRETARIAT), name="事務局の定型文", body="事務局です"
    )
    text = client_of(people["maff"]).get(reverse("reply-templates")).content.decode()
    assert "受付のお知らせ" in text and "事務局の定型文" in text and "経産局の定型文" not in text
    assert reverse("reply-template-edit", args=[greeting.pk]) in text
    assert reverse("reply-template-edit", args=[secretariat_template.pk]) not in text
    text = client_of(people["secretariat"]).get(reverse("reply-templates")).content.decode()
    assert "事務局の定型文" in text and "受付のお知らせ" not in text
    assert reverse("reply-template-edit", args=[secretariat_template.pk]) in text
    assert client_of(people["matsumoto"]).get(reverse("reply-templates")).status_code == 404


def test_the_list_takes_the_same_queries_for_one_template_or_many(client_of, people, kanto_maff):
    client = client_of(people["maff"])
    owner = Owner(TemplateScope.OFFICE, office_id=kanto_maff.pk)

    def count():
        client.get(reverse("reply-templates"))  # warm the reference maps and the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reply-templates")).status_code == 200
        return len(queries)

    services.create_reply_template(actor=people["maff"], owner=owner, name="t0", body="b")
    one = count()
    for n in range(1, 15):
        services.create_reply_template(actor=people["maff_lead" if n % 2 else "maff"], owner=owner,
                                       name=f"t{n}", body="b")  # fmt: skip
    ministry = Owner(TemplateScope.MINISTRY, ministry_id=kanto_maff.ministry_id)
    services.create_reply_template(actor=people["maff"], owner=ministry, name="m", body="b")
    assert count() == one


def test_an_owner_creates_edits_and_deletes(client_of, people, kanto_maff):
    client = client_of(people["maff"])
    form = client.get(reverse("reply-template-new")).content.decode()
    assert f'value="office:{kanto_maff.pk}"' in form and f'value="ministry:{kanto_maff.ministry_id}"' in form
    assert 'value="secretariat:"' not in form
    response = client.post(reverse("reply-template-new"),
                           {"owner": f"ministry:{kanto_maff.ministry_id}", "name": "共通", "body": "{担当者}です"})  # fmt: skip
    assert response.status_code == 302
    template = ReplyTemplate.objects.get(name="共通")
    assert (template.scope, template.ministry_id, template.created_by) == ("ministry", kanto_maff.ministry_id,
                                                                            people["maff"])  # fmt: skip
    # Someone trying to post for an owner they may not write for is refused by the form.
    refused = client.post(reverse("reply-template-new"), {"owner": "secretariat:", "name": "x", "body": "y"})
    assert refused.status_code == 400
    assert not ReplyTemplate.objects.filter(name="x").exists()
    edit = reverse("reply-template-edit", args=[template.pk])
    assert client.post(edit, {"name": "", "body": "b"}).status_code == 400
    assert client.post(edit, {"name": "共通（改）", "body": "改"}).status_code == 302
    template.refresh_from_db()
    assert (template.name, template.body) == ("共通（改）", "改")
    # Another ministry's liaison may neither open nor delete it.
    other = client_of(people["meti"])
    assert other.get(edit).status_code == 404
    assert other.post(reverse("reply-template-delete", args=[template.pk])).status_code == 404
    assert client.post(reverse("reply-template-delete", args=[template.pk])).status_code == 302
    assert not ReplyTemplate.objects.filter(pk=template.pk).exists()


def test_a_liaison_may_use_but_not_edit_the_secretariats(client_of, people):
    template = services.create_reply_template(actor=people["secretariat"], owner=Owner(TemplateScope.SECRETARIAT),
                                              name="全体", body="b")  # fmt: skip
    client = client_of(people["maff"])
    assert client.get(reverse("reply-template-edit", args=[template.pk])).status_code == 404
    assert client.post(reverse("reply-template-delete", args=[template.pk])).status_code == 404
    assert client_of(people["secretariat"]).get(reverse("reply-template-edit", args=[template.pk])).status_code == 200
