"""Reply templates (返信テンプレート): the rights, the variables, the services and the count of uses."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import Role
from consult import selectors, services
from consult.models import Event, ReplyTemplate, TemplateScope
from consult.reply_templates import EDIT, USE, Owner, Viewer, render, rights_q, template_rights, values_for
from routing.business_time import JST
from routing.models import Office

# --- pure: render and rights ------------------------------------------------------------------


def test_render_fills_every_variable_and_leaves_unknown_ones():
    values = values_for(
        local_government="松本市",
        reference="R8-000123",
        office="関東農政局",
        resolution_due=datetime.datetime(2026, 12, 4, 16, 0, tzinfo=datetime.UTC),  # 5 December in JST
        person="農政 太郎",
    )
    body = "{自治体名} ご担当者様\n受付番号 {受付番号}（{担当部局}・{担当者}）。期限 {回答期限}。{不明} {受付番号"
    assert render(body, values) == (
        "松本市 ご担当者様\n受付番号 R8-000123（関東農政局・農政 太郎）。期限 2026年12月5日。{不明} {受付番号"
    )


def test_render_without_a_deadline_leaves_it_empty():
    values = values_for(local_government="", reference="R8-1", office="", resolution_due=None, person="")
    assert render("期限: {回答期限}", values) == "期限: "


def test_a_deadline_is_written_as_the_day_in_japan():
    values = values_for(local_government="", reference="", office="", person="",
                        resolution_due=datetime.datetime(2027, 1, 4, 23, 30, tzinfo=JST))  # fmt: skip
    assert render("{回答期限}", values) == "2027年1月4日"


OFFICE_7 = Owner(TemplateScope.OFFICE, office_id=7)
MINISTRY_3 = Owner(TemplateScope.MINISTRY, ministry_id=3)
SECRETARIAT = Owner(TemplateScope.SECRETARIAT)
LIAISON = Viewer(Role.LIAISON, offices=frozenset({7}), ministries=frozenset({3}))
OTHER_LIAISON = Viewer(Role.LIAISON, offices=frozenset({8}), ministries=frozenset({4}))


@pytest.mark.parametrize(
    ("viewer", "owner", "rights"),
    [
        (LIAISON, OFFICE_7, {USE, EDIT}),
        (LIAISON, MINISTRY_3, {USE, EDIT}),
        (LIAISON, SECRETARIAT, {USE}),
        (OTHER_LIAISON, OFFICE_7, set()),
        (OTHER_LIAISON, MINISTRY_3, set()),
        (OTHER_LIAISON, SECRETARIAT, {USE}),
        (Viewer(Role.SECRETARIAT), SECRETARIAT, {USE, EDIT}),
        (Viewer(Role.SECRETARIAT), OFFICE_7, set()),
        (Viewer(Role.SECRETARIAT), MINISTRY_3, set()),
        (Viewer(Role.STAFF), SECRETARIAT, set()),
        (Viewer(Role.STAFF), OFFICE_7, set()),
        (Viewer(""), SECRETARIAT, set()),
    ],
)
def test_who_may_use_and_edit(viewer, owner, rights):
    assert template_rights(viewer, owner) == rights


# --- through the database ----------------------------------------------------------------------


@pytest.fixture
def templates(people):
    """One template of each owner: 関東農政局 (maff's office), MAFF, METI's office, the secretariat."""
    kanto_maff = Office.objects.get(slug="maff-rab-kanto")
    kanto_meti = Office.objects.get(slug="meti-rbe-kanto")
    made = {
        "office": services.create_reply_template(
            actor=people["maff"], owner=Owner(TemplateScope.OFFICE, office_id=kanto_maff.pk),
            name="受付のお知らせ", body="{自治体名} 様 {受付番号} を受け付けました。担当 {担当者}"),
        "ministry": services.create_reply_template(
            actor=people["maff_hq"], owner=Owner(TemplateScope.MINISTRY, ministry_id=kanto_maff.ministry_id),
            name="農水省共通", body="{担当部局}が担当します。"),
        "other_office": services.create_reply_template(
            actor=people["meti"], owner=Owner(TemplateScope.OFFICE, office_id=kanto_meti.pk),
            name="経産局", body="経済産業局です。"),
        "secretariat": services.create_reply_template(
            actor=people["secretariat"], owner=Owner(TemplateScope.SECRETARIAT),
            name="事務局共通", body="回答期限は{回答期限}です。"),
    }  # fmt: skip
    return made


def _names(user, right=USE):
    return {t.name for t in selectors.reply_templates_of(user, right)}


def test_the_database_rule_matches_the_pure_one(people, templates):
    for person in people.values():
        viewer = selectors.template_viewer(person)
        for template in templates.values():
            owner = Owner(template.scope, office_id=template.office_id, ministry_id=template.ministry_id)
            for right in (USE, EDIT):
                condition = rights_q(viewer, right)
                in_db = condition is not None and ReplyTemplate.objects.filter(condition, pk=template.pk).exists()
                assert in_db == (right in template_rights(viewer, owner)), (person.email, template.name, right)


def test_each_role_sees_its_own_and_the_secretariats(people, templates):
    assert _names(people["maff"]) == {"受付のお知らせ", "農水省共通", "事務局共通"}
    assert _names(people["maff"], EDIT) == {"受付のお知らせ", "農水省共通"}
    # maff-hq is another office of the same ministry: the ministry's template, not the office's.
    assert _names(people["maff_hq"]) == {"農水省共通", "事務局共通"}
    assert _names(people["meti"]) == {"経産局", "事務局共通"}
    assert _names(people["secretariat"]) == {"事務局共通"}
    assert _names(people["secretariat"], EDIT) == {"事務局共通"}
    assert _names(people["matsumoto"]) == set()


def test_another_offices_template_is_404(people, templates):
    with pytest.raises(Http404):
        selectors.access_reply_template(people["meti"], templates["office"].pk)
    with pytest.raises(Http404):
        selectors.access_reply_template(people["maff"], templates["secretariat"].pk, EDIT)
    with pytest.raises(Http404):
        selectors.access_reply_template(people["matsumoto"], templates["secretariat"].pk)
    with pytest.raises(Http404):
        selectors.access_reply_template(people["maff"], "x")
    assert selectors.access_reply_template(people["maff"], templates["secretariat"].pk) == templates["secretariat"]


def test_only_owners_create_update_and_delete(people, templates):
    kanto_maff = Office.objects.get(slug="maff-rab-kanto")
    with pytest.raises(PermissionDenied):
        services.create_reply_template(actor=people["meti"], owner=Owner(TemplateScope.OFFICE, office_id=kanto_maff.pk),
                                       name="x", body="y")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.create_reply_template(actor=people["maff"], owner=SECRETARIAT, name="x", body="y")
    with pytest.raises(PermissionDenied):
        services.create_reply_template(actor=people["matsumoto"], owner=SECRETARIAT, name="x", body="y")
    with pytest.raises(PermissionDenied):
        services.update_reply_template(actor=people["maff"], template=templates["secretariat"], name="x", body="y")
    with pytest.raises(PermissionDenied):
        services.delete_reply_template(actor=people["secretariat"], template=templates["office"])
    # A lead of the same office edits what a colleague wrote.
    updated = services.update_reply_template(actor=people["maff_lead"], template=templates["office"],
                                             name=" 受付のお知らせ（改） ", body="新しい本文")  # fmt: skip
    assert (updated.name, updated.body, updated.updated_by) == (
        "受付のお知らせ（改）",
        "新しい本文",
        people["maff_lead"],
    )
    assert updated.created_by == people["maff"]
    services.delete_reply_template(actor=people["maff"], template=templates["office"])
    assert not ReplyTemplate.objects.filter(pk=templates["office"].pk).exists()


def test_name_and_body_are_required(people):
    with pytest.raises(ValidationError) as refused:
        services.create_reply_template(actor=people["secretariat"], owner=SECRETARIAT, name=" ", body="  ")
    assert set(refused.value.message_dict) == {"name", "body"}
    with pytest.raises(ValidationError):
        services.create_reply_template(actor=people["secretariat"], owner=SECRETARIAT, name="x" * 101, body="y")


def test_templates_for_a_consultation_only_on_the_answering_side(people, file, templates):
    consultation = file(people["matsumoto"])
    seen = selectors.access_consultation(people["maff"], consultation.pk)
    assert {t.name for t in selectors.templates_for(people["maff"], seen)} == {
        "受付のお知らせ", "農水省共通", "事務局共通"}  # fmt: skip
    assert selectors.templates_for(people["matsumoto"], consultation) == []


def test_the_variables_of_a_consultation(people, file, templates):
    consultation = file(people["matsumoto"])
    seen = selectors.access_consultation(people["maff"], consultation.pk)
    text = selectors.rendered_template(people["maff"], seen, templates["office"])
    # Unassigned: the writer's name.
    assert text == f"松本市 様 {consultation.reference} を受け付けました。担当 {people['maff'].display_name}"
    services.transition(actor=people["maff_lead"], consultation=consultation, action="accept")
    seen = selectors.access_consultation(people["maff"], consultation.pk)
    assert selectors.rendered_template(people["maff"], seen, templates["office"]).endswith(
        people["maff_lead"].display_name
    )
    due = seen.resolution_due_at.astimezone(JST).date()
    assert selectors.rendered_template(people["maff"], seen, templates["secretariat"]) == (
        f"回答期限は{due.year}年{due.month}月{due.day}日です。"
    )
    assert selectors.rendered_template(people["maff"], seen, templates["ministry"]) == "関東農政局が担当します。"


def test_a_reply_counts_the_use_once_and_only_when_sent(people, file, templates):
    consultation = file(people["matsumoto"])
    template = templates["office"]
    with pytest.raises(ValidationError):
        services.post_message(actor=people["maff"], consultation=consultation, body=" ", template_id=template.pk)
    template.refresh_from_db()
    assert template.use_count == 0
    services.post_message(actor=people["maff"], consultation=consultation, body="ご連絡します", template_id=template.pk)
    template.refresh_from_db()
    assert template.use_count == 1
    event = Event.objects.filter(consultation=consultation, kind="replied").get()
    assert event.data["template"] == template.pk
    # Another office's template, or one the filer names, is not counted (and does not stop the reply).
    other = templates["other_office"]
    services.post_message(actor=people["maff"], consultation=consultation, body="再送", template_id=other.pk)
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="ありがとうございます",
                          template_id=templates["secretariat"].pk)  # fmt: skip
    other.refresh_from_db()
    templates["secretariat"].refresh_from_db()
    assert (other.use_count, templates["secretariat"].use_count) == (0, 0)
    assert "template" not in Event.objects.filter(consultation=consultation, kind="replied").last().data
