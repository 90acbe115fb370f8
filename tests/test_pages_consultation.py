"""The consultation page: what each party sees and may do, every action through
its plain form, errors (400 / 403 / 409), the live region and the download."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consult import services
from consult.lifecycle import Status
from consult.models import Consultation, Message
from consult.services import Upload
from frontend.views.consultation import version_of

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INTERNAL_FLAG = "内部メモ（相談者には表示されません）"
NOTE_TEXT = "受付前に本省へ確認中"


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page_url(c) -> str:
    return reverse("consultation", args=[c.pk])


def action_url(c, action: str) -> str:
    return reverse("consultation-action", args=[c.pk, action])


def live_url(c, since=None) -> str:
    url = reverse("consultation-live", args=[c.pk])
    return url if since is None else f"{url}?since={since}"


def reload(c) -> Consultation:
    return Consultation.objects.get(pk=c.pk)


def offered(response) -> set[str]:
    """The actions the page offers: the actions of its forms."""
    return set(re.findall(r'action="/consultations/\d+/actions/([a-z_]+)/"', response.content.decode()))


@pytest.fixture
def world(people, file):
    """A joint consultation of 松本市 with 静岡市, held by 関東農政局, with 関東経済産業局
    collaborating, an internal note and an attachment on the filing."""
    c = file(people["matsumoto"], co_filers=["221007"], attachments=[Upload("計画書.pdf", PDF)])
    assert c.primary_office.slug == "maff-rab-kanto"
    services.invite_collaborator(actor=people["maff"], consultation=c, office="meti-rbe-kanto")
    services.post_message(actor=people["maff"], consultation=c, body=NOTE_TEXT, internal=True)
    return reload(c)


# --- who sees the page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_notes"),
    [
        ("matsumoto", False),  # filer staff
        ("shizuoka", False),  # co-filer staff
        ("maff", True),  # liaison of the holding office
        ("maff_lead", True),
        ("meti", True),  # liaison of a collaborating office
        ("secretariat", True),
    ],
)
def test_every_party_sees_the_page(people, world, who, sees_notes):
    response = client_for(people[who]).get(page_url(world))
    assert response.status_code == 200
    text = response.content.decode()
    assert world.title in text and world.reference in text
    assert "振り分けの理由" in text and world.routing_explanation in text
    assert "関東農政局" in text and "関東経済産業局" in text  # holding and collaborating offices
    assert "静岡市" in text  # co-filer
    assert "計画書.pdf" in text
    assert reverse("consultation-attachment", args=[world.pk, world.attachments.get().pk]) in text
    assert 'hx-trigger="every 10s"' in text and "最新の情報に更新" in text
    assert 'aria-live="polite"' in text
    assert (NOTE_TEXT in text) is sees_notes
    assert (INTERNAL_FLAG in text) is sees_notes


@pytest.mark.parametrize("who", ["niigata", "digital", "maff_hq"])
def test_outsiders_get_404_everywhere(people, world, who):
    client = client_for(people[who])
    attachment = world.attachments.get()
    assert client.get(page_url(world)).status_code == 404
    assert client.get(live_url(world, 0)).status_code == 404
    assert client.get(reverse("consultation-attachment", args=[world.pk, attachment.pk])).status_code == 404
    for action in ("accept", "reply", "note", "request_info", "resume", "resolve", "confirm", "reopen",
                   "withdraw", "transfer", "invite"):  # fmt: skip
        data = {f"{action}-body": "x", f"{action}-comment": "x", f"{action}-reason": "x", f"{action}-office": "mic-hq"}
        assert client.post(action_url(world, action), data).status_code == 404, action
    assert reload(world).status == Status.OPEN
    assert not Message.objects.filter(consultation=world, body="x").exists()


def test_signed_out_people_are_sent_to_sign_in(world):
    response = Client().get(page_url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_former_office_still_sees_the_page_but_not_later_notes(people, world):
    services.transfer(actor=people["maff"], consultation=world, office="maff-hq", reason="本省の所管です")
    services.post_message(actor=people["maff_hq"], consultation=reload(world), body="本省の検討メモ", internal=True)
    response = client_for(people["maff"]).get(page_url(world))
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTE_TEXT in text  # written while it held the consultation
    assert "本省の検討メモ" not in text
    assert "本省の所管です" in text  # the transfer reason, in the history
    assert offered(response) == set()
    assert "現在、この相談であなたができる操作はありません" in text
    # The office that received it sees both notes.
    text = client_for(people["maff_hq"]).get(page_url(world)).content.decode()
    assert NOTE_TEXT in text and "本省の検討メモ" in text


def test_internal_attachments_are_listed_for_offices_only(people, world):
    services.post_message(
        actor=people["maff"], consultation=world, body="内部資料", internal=True, attachments=[Upload("内部.pdf", PDF)]
    )
    internal = world.attachments.get(internal=True)
    url = reverse("consultation-attachment", args=[world.pk, internal.pk])
    assert "内部.pdf" in client_for(people["maff"]).get(page_url(world)).content.decode()
    assert "内部.pdf" not in client_for(people["matsumoto"]).get(page_url(world)).content.decode()
    assert client_for(people["matsumoto"]).get(url).status_code == 404
    assert client_for(people["maff"]).get(url).status_code == 200


def test_attachment_downloads_as_a_file(people, world):
    attachment = world.attachments.get()
    response = client_for(people["shizuoka"]).get(reverse("consultation-attachment", args=[world.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_english_page_uses_english_names(people, world):
    client = client_for(people["maff"])
    client.cookies["django_language"] = "en"
    text = client.get(page_url(world)).content.decode()
    assert '<html lang="en">' in text
    assert "Kanto Regional Agricultural Administration Office" in text
    assert "Smart agriculture, forestry, fisheries and food" in text
    assert world.routing_explanation_en and world.routing_explanation_en in text
    assert world.routing_explanation not in text


# --- which actions are offered ------------------------------------------------------------------


def test_the_actions_match_the_role_and_the_status(people, world):
    def actions(who):
        return offered(client_for(people[who]).get(page_url(world)))

    assert actions("matsumoto") == {"reply", "withdraw"}
    assert actions("shizuoka") == {"reply", "withdraw"}
    assert actions("maff") == {"accept", "request_info", "resolve", "transfer", "invite", "reply", "note", "merge"}
    assert actions("meti") == {"reply", "note"}  # a collaborator
    assert actions("secretariat") == {
        "request_info", "resolve", "transfer", "invite", "reply", "note", "withdraw", "merge",
    }  # fmt: skip

    services.transition(actor=people["maff"], consultation=world, action="accept")
    services.transition(actor=people["maff"], consultation=world, action="request_info", comment="図面を")
    assert actions("maff") == {"resume", "resolve", "transfer", "invite", "reply", "note", "merge"}
    # Replying resumes it; the filer may also resume without a reply, as the service allows.
    assert actions("matsumoto") == {"reply", "resume", "withdraw"}

    services.transition(actor=people["maff"], consultation=world, action="resolve", comment="回答します")
    assert actions("matsumoto") == {"confirm", "rate", "reopen", "reply"}  # the filer may rate the answer
    assert actions("maff") == {"invite", "reply", "note", "merge"}

    services.transition(actor=people["matsumoto"], consultation=world, action="confirm")
    assert actions("matsumoto") == {"rate", "reopen", "reply"}
    assert actions("secretariat") == {"reopen", "invite", "reply", "note", "merge"}


def test_a_withdrawn_consultation_offers_nothing(people, world):
    services.transition(actor=people["matsumoto"], consultation=world, action="withdraw")
    for who in ("matsumoto", "maff", "meti", "secretariat"):
        assert offered(client_for(people[who]).get(page_url(world))) == set(), who


def test_the_page_offers_exactly_what_the_api_lists(api, people, world):
    """One rule behind both (consult.rules.allowed_actions), in every status."""

    def same():
        for who in ("matsumoto", "shizuoka", "maff", "meti", "secretariat"):
            listed = api(people[who]).get(f"/api/v1/consultations/{world.pk}/").json()["allowed_actions"]
            assert offered(client_for(people[who]).get(page_url(world))) == set(listed), who

    same()
    services.transition(actor=people["maff"], consultation=world, action="accept")
    services.transition(actor=people["maff"], consultation=world, action="request_info", comment="図面を")
    same()
    services.transition(actor=people["maff"], consultation=world, action="resolve", comment="回答します")
    same()
    services.transition(actor=people["matsumoto"], consultation=world, action="confirm")
    same()


def test_the_filer_resumes_without_replying(people, world):
    services.transition(actor=people["maff"], consultation=world, action="request_info", comment="図面を")
    client = client_for(people["matsumoto"])
    assert "電話などで回答済みのときは" in client.get(page_url(world)).content.decode()  # the filer's own hint
    response = client.post(action_url(world, "resume"), follow=True)
    assert response.redirect_chain == [(page_url(world), 302)]
    assert reload(world).status == Status.IN_PROGRESS
    assert "電話などで回答済みのときは" not in response.content.decode()  # offered only while waiting


# --- each action through its form ---------------------------------------------------------------


def test_liaison_accepts(people, world):
    response = client_for(people["maff"]).post(action_url(world, "accept"), follow=True)
    assert response.redirect_chain == [(page_url(world), 302)]
    c = reload(world)
    assert c.status == Status.IN_PROGRESS and c.assignee == people["maff"]
    assert "相談を受け付けました" in response.content.decode()


def test_request_info_needs_a_comment(people, world):
    response = client_for(people["maff"]).post(action_url(world, "request_info"), {"request_info-comment": "  "})
    assert response.status_code == 400
    text = response.content.decode()
    summary = text[text.index("error-summary") : text.index("</div>", text.index("error-summary"))]
    assert "依頼する内容を入力してください" in summary
    assert 'href="#id_request_info-comment"' in summary
    assert 'id="id_request_info-comment-error"' in text  # the message at the field
    assert 'aria-invalid="true"' in text
    assert reload(world).status == Status.OPEN


def test_request_info_then_the_filer_replies_and_it_resumes(people, world):
    liaison, staff = client_for(people["maff"]), client_for(people["matsumoto"])
    response = liaison.post(action_url(world, "request_info"), {"request_info-comment": "圃場の面積を教えてください"})
    assert response.status_code == 302
    assert reload(world).status == Status.AWAITING_FILER
    assert "圃場の面積を教えてください" in staff.get(page_url(world)).content.decode()
    response = staff.post(
        action_url(world, "reply"),
        {"reply-body": "約12ヘクタールです", "reply-attachments": [_upload("面積.pdf")]},
    )
    assert response.status_code == 302
    c = reload(world)
    assert c.status == Status.IN_PROGRESS
    message = Message.objects.get(consultation=c, body="約12ヘクタールです")
    assert not message.internal and message.attachments.get().name == "面積.pdf"


def _upload(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_an_empty_reply_is_an_error_at_the_field(people, world):
    response = client_for(people["matsumoto"]).post(action_url(world, "reply"), {"reply-body": ""})
    assert response.status_code == 400
    assert 'id="id_reply-body-error"' in response.content.decode()


def test_liaison_writes_an_internal_note_staff_never_sees_it(people, world):
    response = client_for(people["meti"]).post(action_url(world, "note"), {"note-body": "経産局としての見解"})
    assert response.status_code == 302
    assert Message.objects.get(body="経産局としての見解").internal
    assert "経産局としての見解" not in client_for(people["matsumoto"]).get(page_url(world)).content.decode()
    assert "経産局としての見解" in client_for(people["maff"]).get(page_url(world)).content.decode()


def test_staff_may_not_write_internal_notes(people, world):
    response = client_for(people["matsumoto"]).post(action_url(world, "note"), {"note-body": "内緒"})
    assert response.status_code == 403
    assert "権限がありません" in response.content.decode()
    assert not Message.objects.filter(body="内緒").exists()


def test_staff_may_not_accept(people, world):
    assert client_for(people["matsumoto"]).post(action_url(world, "accept")).status_code == 403
    assert reload(world).status == Status.OPEN


def test_resolve_confirm_and_reopen(people, world):
    liaison, staff = client_for(people["maff"]), client_for(people["matsumoto"])
    liaison.post(action_url(world, "accept"))
    response = liaison.post(action_url(world, "resolve"), {"resolve-comment": "補助事業の要件はこちらです"})
    assert response.status_code == 302
    c = reload(world)
    assert c.status == Status.RESOLVED
    assert "補助事業の要件はこちらです" in staff.get(page_url(world)).content.decode()
    assert staff.post(action_url(world, "confirm")).status_code == 302
    assert reload(world).status == Status.CLOSED
    response = staff.post(action_url(world, "reopen"), {"reopen-comment": ""})
    assert response.status_code == 400
    assert "再開する理由を入力してください" in response.content.decode()
    response = staff.post(action_url(world, "reopen"), {"reopen-comment": "追加で確認したい点があります"})
    assert response.status_code == 302
    assert reload(world).status == Status.IN_PROGRESS


def test_withdraw(people, world):
    response = client_for(people["shizuoka"]).post(action_url(world, "withdraw"), {"withdraw-comment": "自己解決"})
    assert response.status_code == 302
    assert reload(world).status == Status.WITHDRAWN


def test_transfer_requires_a_reason_and_then_moves_it(people, world):
    client = client_for(people["maff"])
    response = client.post(action_url(world, "transfer"), {"transfer-office": "maff-hq", "transfer-reason": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "移送の理由を入力してください" in text and 'id="id_transfer-reason-error"' in text
    assert reload(world).primary_office.slug == "maff-rab-kanto"
    response = client.post(
        action_url(world, "transfer"), {"transfer-office": "maff-hq", "transfer-reason": "本省の所管です"}, follow=True
    )
    assert response.redirect_chain == [(page_url(world), 302)]  # the former office still sees the page
    assert reload(world).primary_office.slug == "maff-hq"
    assert "移送しました" in response.content.decode()


def test_transfer_offers_offices_grouped_by_ministry(people, world):
    text = client_for(people["maff"]).get(page_url(world)).content.decode()
    form = text[text.index('actions/transfer/"') :]
    assert '<optgroup label="農林水産省">' in form
    assert 'value="maff-hq"' in form
    assert 'value="maff-rab-kanto"' not in form[: form.index("</select>")]  # the current office


def test_an_unknown_office_is_an_error_at_the_field(people, world):
    response = client_for(people["maff"]).post(
        action_url(world, "transfer"), {"transfer-office": "nowhere", "transfer-reason": "x"}
    )
    assert response.status_code == 400
    assert 'id="id_transfer-office-error"' in response.content.decode()


def test_invite_a_collaborator(people, world):
    response = client_for(people["secretariat"]).post(action_url(world, "invite"), {"invite-office": "digital-hq"})
    assert response.status_code == 302
    assert client_for(people["digital"]).get(page_url(world)).status_code == 200


def test_a_stale_action_answers_409_naming_the_current_status(people, world):
    services.transition(actor=people["maff_lead"], consultation=world, action="accept")
    response = client_for(people["maff"]).post(action_url(world, "accept"))
    assert response.status_code == 409
    text = response.content.decode()
    assert "ほかの人が先に操作した" in text and "「対応中」" in text
    assert reload(world).assignee == people["maff_lead"]


def test_replying_to_a_withdrawn_consultation_answers_409(people, world):
    staff = client_for(people["matsumoto"])
    services.transition(actor=people["matsumoto"], consultation=world, action="withdraw")
    response = staff.post(action_url(world, "reply"), {"reply-body": "やはり"})
    assert response.status_code == 409
    assert "「取下げ済み」" in response.content.decode()


def test_actions_need_post_and_a_known_name(people, world):
    client = client_for(people["maff"])
    assert client.get(action_url(world, "accept")).status_code == 405
    assert client.post(action_url(world, "delete")).status_code == 404


# --- live updates -------------------------------------------------------------------------------


def test_live_region_answers_204_until_something_changes(people, world):
    client = client_for(people["matsumoto"])
    since = version_of(world)
    assert client.get(live_url(world, since)).status_code == 204
    later = timezone.now() + datetime.timedelta(seconds=1)
    services.post_message(actor=people["maff"], consultation=world, body="ご連絡ありがとうございます", now=later)
    response = client.get(live_url(world, since) + "&shown=open")
    assert response.status_code == 200
    text = response.content.decode()
    assert "ご連絡ありがとうございます" in text
    assert NOTE_TEXT not in text  # the same scoping as the page
    assert 'id="live-status-text" hx-swap-oob="true"' in text
    assert f"since={version_of(reload(world))}" in text
    assert "<form" not in text  # the forms are never swapped
    assert client.get(live_url(world, version_of(reload(world)))).status_code == 204


def test_live_region_says_when_the_status_changed(people, world):
    since = version_of(world)
    services.transition(actor=people["maff"], consultation=world, action="accept")
    text = client_for(people["matsumoto"]).get(live_url(world, since) + "&shown=open").content.decode()
    assert "「対応中」に変わりました" in text


def test_live_region_without_a_version_answers_200(people, world):
    assert client_for(people["maff"]).get(live_url(world)).status_code == 200


# --- queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["maff", "matsumoto", "secretariat"])
def test_queries_do_not_grow_with_the_conversation(people, file, who, django_assert_max_num_queries):
    def consultation_with(n):
        c = file(people["matsumoto"])
        for i in range(n):
            author = people["maff"] if i % 2 else people["matsumoto"]
            services.post_message(
                actor=author,
                consultation=c,
                body=f"やりとり {i}",
                internal=bool(i % 2) and i % 3 == 0,
                attachments=[Upload(f"{i}.pdf", PDF)] if i % 5 == 0 else [],
            )
        return c

    small, large = consultation_with(2), consultation_with(30)
    client = client_for(people[who])
    client.get(page_url(small))  # warm the per-process reference caches
    # 18: the reply form's usable reply templates and the offices' holdings (for the hours each held it) are two.
    with django_assert_max_num_queries(18) as small_queries:
        assert client.get(page_url(small)).status_code == 200
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        response = client.get(page_url(large))
        assert response.status_code == 200
    assert "やりとり 29" in response.content.decode()
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        assert client.get(live_url(large, 0)).status_code == 200
