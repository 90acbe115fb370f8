"""The new-consultation pages: the form (with its co-filer search working
without JavaScript), the check page with the routing and deadlines, filing
once from a server-side draft, and the confirmation."""

from __future__ import annotations

import datetime
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consult.models import Attachment, Consultation
from frontend import drafts
from frontend.models import FilingDraft, FilingDraftFile

NEW = "/consultations/new/"
CHECK = "/consultations/new/check/"
SEARCH = "/consultations/new/local-governments/"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def client_of():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


class Page(HTMLParser):
    """Enough of the page to check: the text of each element with an id, the
    error summary's links, and the inputs."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.summary: list[tuple[str, str]] = []
        self.inputs: list[dict] = []
        self._open: list[tuple[str, str | None]] = []
        self._texts: dict[str, list[str]] = {}
        self._in_summary = 0
        self._link: list | None = None
        self.feed(html)

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input":
            self.inputs.append(attributes)
        if tag in self.VOID:
            return
        element_id = attributes.get("id")
        self._open.append((tag, element_id))
        if element_id:
            self._texts[element_id] = []
        if "data-error-summary" in attributes:
            self._in_summary = len(self._open)
        if self._in_summary and tag == "a":
            self._link = [attributes.get("href", ""), ""]

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self._open:
            open_tag, element_id = self._open.pop()
            if element_id:
                self.by_id[element_id] = " ".join("".join(self._texts.pop(element_id)).split())
            if self._in_summary and len(self._open) < self._in_summary:
                self._in_summary = 0
            if open_tag == tag:
                break
        if tag == "a" and self._link is not None:
            self.summary.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None

    def handle_data(self, data):
        for element_id in self._texts:
            self._texts[element_id].append(data)
        if self._link is not None:
            self._link[1] += data

    def value(self, name: str) -> str | None:
        for attributes in self.inputs:
            if attributes.get("name") == name and attributes.get("type") not in ("radio", "checkbox"):
                return attributes.get("value", "")
        return None

    def checked(self, name: str) -> set[str]:
        return {
            a.get("value")
            for a in self.inputs
            if a.get("name") == name and "checked" in a and a.get("type") != "hidden"
        }

    def offered(self, name: str) -> set[str]:
        return {a.get("value") for a in self.inputs if a.get("name") == name}


def entered(**overrides) -> dict:
    data = {
        "policy_area": "smart-agri",
        "title": "スマート農業の補助制度について",
        "body": "ドローンによる農薬散布の補助制度について伺います。",
        "desired_by": "",
        "urgency": "normal",
        "continue": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def to_check(client, **overrides):
    response = client.post(NEW, entered(**overrides))
    assert response.status_code == 302, Page(response.content.decode()).summary
    assert response["Location"] == CHECK
    return client.get(CHECK)


def token_of(response) -> str:
    page = Page(response.content.decode())
    return next(a["value"] for a in page.inputs if a.get("name") == "draft")


# --- who may file ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_for_staff_groups_policy_areas_with_descriptions(people, client_of):
    response = client_of(people["matsumoto"]).get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    page = Page(html)
    assert "提出団体: 長野県松本市" in html
    assert "1 地方に仕事をつくる" in html and "デジタル実装の基礎条件整備" in html
    assert page.by_id["id_policy_area_2-hint"] == "主担当: 農林水産省"
    assert "smart-agri" in page.offered("policy_area") and "other" in page.offered("policy_area")
    assert page.checked("urgency") == {"normal"}
    assert 'type="file"' in html and "multiple" in html and 'enctype="multipart/form-data"' in html
    assert page.value("filer_q") is None  # staff file for their own local government only
    assert page.value("co_filer_q") == ""


@pytest.mark.django_db
def test_the_form_in_english_names_areas_and_lead_ministries_in_english(people, client_of):
    from django.conf import settings

    client = client_of(people["matsumoto"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(NEW).content.decode()
    assert '<html lang="en">' in html
    assert "Smart agriculture, forestry, fisheries and food" in html
    assert "Ministry of Agriculture, Forestry and Fisheries" in Page(html).by_id["id_policy_area_2-hint"]


@pytest.mark.django_db
def test_the_form_for_the_secretariat_asks_for_the_filer(people, client_of):
    page = Page(client_of(people["secretariat"]).get(NEW).content.decode())
    assert page.value("filer_q") == ""
    assert "filer-choices" in page.by_id


@pytest.mark.django_db
def test_liaisons_and_strangers_find_nothing(people, client_of, file):
    consultation = file(people["matsumoto"])
    liaison = client_of(people["maff"])
    for path in (NEW, CHECK, SEARCH + "?co_filer_q=まつもと", f"/consultations/{consultation.pk}/filed/"):
        assert liaison.get(path).status_code == 404, path
    assert liaison.post(NEW, entered()).status_code == 404
    assert Client().get(NEW).status_code == 302  # signed out: to the sign-in page
    # staff may not search for a filer (only the secretariat chooses one)
    assert client_of(people["matsumoto"]).get(SEARCH + "?kind=filer&filer_q=まつもと").status_code == 404


# --- co-filers: searched by name or kana, without JavaScript and with htmx ------------------


@pytest.mark.django_db
def test_co_filer_search_without_javascript_keeps_what_was_entered(people, client_of):
    client = client_of(people["matsumoto"])
    typed = entered(title="広域連携の相談", urgency="urgent", desired_by="2099-04-01", co_filer_q="にいがた")
    del typed["continue"]
    response = client.post(NEW, {**typed, "search_co_filers": "1"})
    assert response.status_code == 302
    assert response["Location"] == NEW + "#co-filer-choices"
    page = Page(client.get(NEW).content.decode())
    assert page.value("title") == "広域連携の相談"
    assert page.value("desired_by") == "2099-04-01"
    assert page.checked("urgency") == {"urgent"}
    assert page.checked("policy_area") == {"smart-agri"}
    assert page.value("co_filer_q") == "にいがた"
    assert {"150002", "151009"} <= page.offered("co_filers")  # 新潟県, 新潟市
    assert page.checked("co_filers") == set()
    assert not page.summary  # a search judges nothing yet

    # Choose 新潟市, search again: it stays chosen while the new matches are offered.
    response = client.post(NEW, {**typed, "co_filers": "151009", "co_filer_q": "シズオカ", "search_co_filers": "1"})
    page = Page(client.get(NEW).content.decode())
    assert page.checked("co_filers") == {"151009"}
    assert "221007" in page.offered("co_filers")  # 静岡市, found by katakana
    assert "「シズオカ」に一致する団体" in page.by_id["co_filers-status"]


@pytest.mark.django_db
def test_search_folds_kana_and_leaves_out_the_filer_itself(people, client_of):
    client = client_of(people["niigata"])
    for query in ("まつもと", "マツモト", "松本"):
        page = Page(client.get(SEARCH, {"kind": "co_filers", "co_filer_q": query}).content.decode())
        assert "202029" in page.offered("co_filers"), query
    own = people["matsumoto"].local_government_id
    page = Page(client_of(people["matsumoto"]).get(SEARCH, {"co_filer_q": "まつもと"}).content.decode())
    assert own not in page.offered("co_filers")


@pytest.mark.django_db
def test_htmx_search_keeps_the_chosen_and_updates_the_status(people, client_of):
    client = client_of(people["matsumoto"])
    response = client.get(SEARCH, {"kind": "co_filers", "co_filer_q": "しずおか", "co_filers": ["151009"]})
    html = response.content.decode()
    page = Page(html)
    assert page.checked("co_filers") == {"151009"}
    assert "221007" in page.offered("co_filers")
    assert 'hx-swap-oob="innerHTML"' in html and "co_filers-status" in page.by_id
    # The form's search box asks for exactly this partial as the person types.
    form = Page(client.get(NEW).content.decode())
    box = next(a for a in form.inputs if a.get("name") == "co_filer_q")
    assert box["hx-get"] == SEARCH and box["hx-target"] == "#co-filer-choices" and box["type"] == "search"


@pytest.mark.django_db
def test_search_queries_do_not_grow_with_the_matches(people, client_of):
    client = client_of(people["matsumoto"])
    client.get(SEARCH, {"co_filer_q": "しずおか"})  # warm the reference caches

    def count(query):
        with CaptureQueriesContext(connection) as queries:
            page = Page(client.get(SEARCH, {"co_filer_q": query, "co_filers": ["151009"]}).content.decode())
        return len(queries), len(page.offered("co_filers"))

    few, one = count("しずおかし")
    many, twenty = count("やま")
    assert one <= 3 and twenty >= 20
    assert many == few


# --- validation: every error in the summary and at its field --------------------------------


def errors_of(response) -> tuple[list[tuple[str, str]], dict[str, str]]:
    page = Page(response.content.decode())
    at_fields = {key[: -len("-error")]: text for key, text in page.by_id.items() if key.endswith("-error")}
    return page.summary, at_fields


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "anchor", "message"),
    [
        ({"title": ""}, "id_title", "#id_title", "件名を入力してください"),
        ({"title": "あ" * 201}, "id_title", "#id_title", "件名は200文字以内です"),
        ({"body": "   "}, "id_body", "#id_body", "相談内容を入力してください"),
        ({"policy_area": None}, "id_policy_area", "#id_policy_area_0", "施策分野を選んでください"),
        ({"policy_area": "no-such-area"}, "id_policy_area", "#id_policy_area_0", "no-such-area"),
        ({"desired_by": "2026-13-45"}, "id_desired_by", "#id_desired_by", "年-月-日で入力してください"),
        ({"desired_by": "2020-04-01"}, "id_desired_by", "#id_desired_by", "回答希望日は今日以降の日付です"),
        ({"urgency": "whenever"}, "id_urgency", "#id_urgency_0", "whenever"),
        ({"co_filers": "999999"}, "id_co_filers", "#id_co_filers_0", "団体コード 999999 の地方公共団体はありません"),
    ],
)
def test_each_error_shows_in_the_summary_and_at_its_field(people, client_of, overrides, field, anchor, message):
    response = client_of(people["matsumoto"]).post(NEW, entered(**overrides))
    assert response.status_code == 200
    summary, at_fields = errors_of(response)
    assert [(href, text) for href, text in summary if href == anchor and message in text], summary
    assert message in at_fields[field], at_fields
    assert len(summary) == 1  # one message per problem, not Django's and the service's both
    page = Page(response.content.decode())
    assert page.value("title") == overrides.get("title", entered()["title"])  # what was typed is kept


@pytest.mark.django_db
def test_several_errors_at_once_each_linked(people, client_of):
    response = client_of(people["matsumoto"]).post(NEW, entered(title="", body="", policy_area=None))
    summary, at_fields = errors_of(response)
    assert [href for href, _ in summary] == ["#id_policy_area_0", "#id_title", "#id_body"]
    assert set(at_fields) == {"id_policy_area", "id_title", "id_body"}
    assert 'aria-invalid="true"' in response.content.decode()


@pytest.mark.django_db
def test_the_secretariat_must_choose_a_filer(people, client_of):
    response = client_of(people["secretariat"]).post(NEW, entered())
    summary, at_fields = errors_of(response)
    assert summary == [("#id_filer_0", "提出団体: 事務局が提出するときは提出団体（団体コード）を指定してください")]
    assert "提出団体（団体コード）を指定してください" in at_fields["id_filer"]


# --- the check page: the answers, where it will go and why, by when ------------------------


@pytest.mark.django_db
def test_the_check_page_shows_the_answers_the_routing_and_the_deadlines(people, client_of, monkeypatch):
    from frontend.views import filing

    # Filed Monday 2026-12-28 16:00 JST: the first response is due after the year-end closure.
    monkeypatch.setattr(filing, "_now", lambda: datetime.datetime(2026, 12, 28, 7, 0, tzinfo=datetime.UTC))
    client = client_of(people["matsumoto"])
    response = to_check(client, desired_by="2099-04-01")
    assert response.status_code == 200
    html = response.content.decode()
    text = " ".join(html.split())
    assert "スマート農業の補助制度について" in html and "2099年4月1日(水)" in html
    assert "この相談は <strong>関東農政局</strong>（農林水産省）が担当します。" in text
    assert "長野県" in text  # the explanation names the jurisdiction step
    assert "2027年1月5日(火) 16:00" in text  # 2 business days on the office calendar
    assert "初回回答 2開庁日以内・解決 10開庁日以内" in text
    assert f'href="{NEW}#id_title"' in html  # each answer can be changed
    assert "この内容で相談する" in html
    assert Consultation.objects.count() == 0  # nothing is filed by looking
    # Urgent consultations run on the urgent policy.
    text = " ".join(to_check(client, urgency="urgent").content.decode().split())
    assert "<strong>緊急（急いで回答が必要）</strong>" in text
    assert "2027年1月4日(月) 16:00" in text and "初回回答 1開庁日以内・解決 5開庁日以内" in text


@pytest.mark.django_db
def test_the_change_link_brings_back_the_form_with_the_values_kept(people, client_of):
    client = client_of(people["matsumoto"])
    to_check(client, title="変更前の件名")
    page = Page(client.get(NEW).content.decode())
    assert page.value("title") == "変更前の件名"
    assert page.checked("policy_area") == {"smart-agri"}


@pytest.mark.django_db
def test_the_check_page_without_a_checked_draft_sends_to_the_form(people, client_of):
    client = client_of(people["matsumoto"])
    assert client.get(CHECK)["Location"] == NEW
    client.post(NEW, entered(title=""))  # kept, but not valid
    assert client.get(CHECK)["Location"] == NEW


@pytest.mark.django_db
def test_a_joint_consultation_shows_the_collaborating_office(people, client_of):
    client = client_of(people["matsumoto"])
    response = to_check(client, co_filers="151009")  # 新潟市: 北陸農政局's jurisdiction
    text = " ".join(response.content.decode().split())
    assert "関東農政局" in text and "北陸農政局" in text and "新潟市" in text


# --- filing: attachments from the draft, once ----------------------------------------------


@pytest.mark.django_db
def test_attachments_survive_errors_and_the_check_page_to_filing(people, client_of):
    client = client_of(people["matsumoto"])
    report = SimpleUploadedFile("報告書.pdf", PDF, content_type="application/pdf")
    fake = SimpleUploadedFile("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
    response = client.post(NEW, {**entered(title=""), "attachments": [report, fake]})
    assert response.status_code == 200  # an error, but the files are kept
    html = response.content.decode()
    assert "報告書.pdf" in html and "program.pdf" in html
    response = to_check(client)
    assert "報告書.pdf" in response.content.decode()
    draft_id = client.session[drafts.SESSION_KEY]
    assert FilingDraftFile.objects.filter(draft_id=draft_id).count() == 2
    response = client.post(CHECK, {"draft": token_of(response)})
    consultation = Consultation.objects.get()
    assert response["Location"] == f"/consultations/{consultation.pk}/filed/"
    attachment = Attachment.objects.get(consultation=consultation)
    assert attachment.name == "報告書.pdf" and attachment.file.read() == PDF
    assert not FilingDraft.objects.filter(pk=draft_id).exists() and drafts.SESSION_KEY not in client.session
    assert not FilingDraftFile.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "添付できなかったファイルがあります" in page and "program.pdf" in page  # refused by the service
    assert "program.pdf" not in client.get(response["Location"]).content.decode()  # told once


@pytest.mark.django_db
def test_a_kept_file_can_be_removed(people, client_of):
    client = client_of(people["matsumoto"])
    client.post(NEW, {**entered(title=""), "attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    draft = drafts.Draft.load(client.session[drafts.SESSION_KEY], people["matsumoto"])
    (kept,) = draft.files
    response = client.post(NEW, {**entered(), "remove_files": kept["id"]})
    assert "a.pdf" not in client.get(response["Location"]).content.decode()
    assert not FilingDraftFile.objects.filter(pk=kept["id"]).exists()


@pytest.mark.django_db
def test_too_many_files_are_refused_at_the_field(people, client_of, settings):
    client = client_of(people["matsumoto"])
    files = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(drafts.MAX_FILES + 1)]
    response = client.post(NEW, {**entered(), "attachments": files})
    summary, at_fields = errors_of(response)
    assert ("#id_attachments", f"添付ファイル: 一度に添付できるファイルは{drafts.MAX_FILES}個までです") in summary
    assert "個までです" in at_fields["id_attachments"]


@pytest.mark.django_db
def test_filing_twice_files_once(people, client_of):
    client = client_of(people["matsumoto"])
    token = token_of(to_check(client))
    first = client.post(CHECK, {"draft": token})
    second = client.post(CHECK, {"draft": token})  # a double click or a refresh
    assert Consultation.objects.count() == 1
    assert first["Location"].endswith("/filed/")
    assert second["Location"] == NEW
    assert "既に提出された" in client.get(NEW).content.decode()


@pytest.mark.django_db
def test_a_draft_changed_after_the_check_is_checked_again(people, client_of):
    client = client_of(people["matsumoto"])
    token = token_of(to_check(client))
    client.post(NEW, entered(title="別のタブで直した件名"))
    response = client.post(CHECK, {"draft": token})
    assert response["Location"] == CHECK
    assert Consultation.objects.count() == 0
    response = client.get(CHECK)
    assert "別のタブで直した件名" in response.content.decode()
    client.post(CHECK, {"draft": token_of(response)})
    assert Consultation.objects.get().title == "別のタブで直した件名"


@pytest.mark.django_db
def test_someone_elses_draft_token_files_nothing(people, client_of):
    token = token_of(to_check(client_of(people["matsumoto"])))
    response = client_of(people["niigata"]).post(CHECK, {"draft": token})
    assert response["Location"] == NEW
    assert Consultation.objects.count() == 0


@pytest.mark.django_db
def test_discarding_starts_again(people, client_of):
    client = client_of(people["matsumoto"])
    client.post(NEW, {**entered(title="消す件名"), "attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    draft_id = client.session[drafts.SESSION_KEY]
    client.post(NEW, {"discard": "1"})
    assert not FilingDraft.objects.filter(pk=draft_id).exists() and not FilingDraftFile.objects.exists()
    assert Page(client.get(NEW).content.decode()).value("title") == ""


# --- the confirmation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_confirmation_shows_the_reference_and_what_happens_next(people, client_of, time_machine):
    # Filed Friday 2026-11-20 15:00 JST; Monday 23rd is 勤労感謝の日.
    time_machine.move_to(datetime.datetime(2026, 11, 20, 6, 0, tzinfo=datetime.UTC), tick=False)
    client = client_of(people["matsumoto"])
    response = client.post(CHECK, {"draft": token_of(to_check(client))})
    consultation = Consultation.objects.get()
    html = client.get(response["Location"]).content.decode()
    text = " ".join(html.split())
    assert consultation.reference.startswith("BNS-") and consultation.reference in html
    assert 'class="panel"' in html
    assert "<strong>関東農政局</strong> に届けました。" in text
    # 2 business days (Fri 15:00–17:15, Tue 24th, Wed 25th to 15:00) and 10 (to Mon 7 Dec).
    for label, iso, shown, left in (
        ("初回回答の期限:", "2026-11-25T15:00:00+09:00", "2026年11月25日(水) 15:00", "残り2営業日"),
        ("解決の期限:", "2026-12-07T15:00:00+09:00", "2026年12月7日(月) 15:00", "残り10営業日"),
    ):
        assert re.search(
            rf'{label} <span class="due due--ok"> <time datetime="{re.escape(iso)}">{re.escape(shown)}</time>'
            rf' <span class="due__left">{left}</span>',
            text,
        ), label
    assert "通知とメールでお知らせします" in text
    assert f'href="{reverse("consultation", args=[consultation.pk])}"' in html
    assert 'href="/"' in html


@pytest.mark.django_db
def test_the_confirmation_is_404_outside_the_consultation(people, client_of, file):
    consultation = file(people["matsumoto"])
    path = f"/consultations/{consultation.pk}/filed/"
    assert client_of(people["shizuoka"]).get(path).status_code == 404
    assert client_of(people["niigata"]).get(path).status_code == 404
    assert client_of(people["matsumoto"]).get(path).status_code == 200
    assert client_of(people["secretariat"]).get(path).status_code == 200
    assert client_of(people["matsumoto"]).get("/consultations/999999999/filed/").status_code == 404


@pytest.mark.django_db
def test_the_secretariat_files_on_behalf_of_a_local_government(people, client_of):
    client = client_of(people["secretariat"])
    typed = entered(filer_q="まつもと")
    del typed["continue"]
    client.post(NEW, {**typed, "search_filer": "1"})
    page = Page(client.get(NEW).content.decode())
    assert "202029" in page.offered("filer")
    response = to_check(client, filer="202029")
    text = " ".join(response.content.decode().split())
    assert "長野県松本市（202029）" in text and "関東農政局" in text
    client.post(CHECK, {"draft": token_of(response)})
    consultation = Consultation.objects.get()
    assert consultation.filer_id == "202029" and consultation.filed_by == people["secretariat"]
    # The staff of the local government see it, and its confirmation.
    assert client_of(people["matsumoto"]).get(f"/consultations/{consultation.pk}/filed/").status_code == 200


# --- drafts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stale_drafts_expire_and_are_swept_and_drafts_belong_to_their_owner(people):
    stale = drafts.Draft.create(people["matsumoto"])
    FilingDraft.objects.filter(pk=stale.id).update(
        updated_at=timezone.now() - datetime.timedelta(seconds=drafts.MAX_AGE_SECONDS + 60)
    )
    assert drafts.Draft.load(stale.id, people["matsumoto"]) is None  # expired, even before the sweep
    assert drafts.consume(stale.token, people["matsumoto"]) is None
    fresh = drafts.Draft.create(people["matsumoto"])  # creating one sweeps the stale
    assert list(FilingDraft.objects.values_list("pk", flat=True)) == [uuid.UUID(fresh.id)]
    assert drafts.Draft.load(fresh.id, people["niigata"]) is None
    assert drafts.Draft.load("../../etc", people["matsumoto"]) is None
    assert drafts.Draft.load(fresh.id, people["matsumoto"]).id == fresh.id


@pytest.mark.django_db
def test_a_draft_is_read_back_by_another_web_host(people, client_of, settings, tmp_path):
    """Nothing of a draft stays in the web process or on its disk: a request
    served elsewhere (another host: its own disk, nothing remembered) finds it."""
    from config import memo

    client = client_of(people["matsumoto"])
    report = SimpleUploadedFile("報告書.pdf", PDF, content_type="application/pdf")
    response = client.post(NEW, {**entered(title="別の端末で確認する件名"), "attachments": [report]})
    assert response["Location"] == CHECK
    settings.VAR_DIR = tmp_path / "another-host"
    memo.forget()
    response = client.get(CHECK)
    assert "別の端末で確認する件名" in response.content.decode() and "報告書.pdf" in response.content.decode()
    memo.forget()
    client.post(CHECK, {"draft": token_of(response)})
    consultation = Consultation.objects.get()
    assert consultation.title == "別の端末で確認する件名"
    assert Attachment.objects.get(consultation=consultation).file.read() == PDF


@pytest.mark.django_db
def test_another_persons_draft_is_never_read(people, client_of):
    mine = client_of(people["matsumoto"])
    mine.post(NEW, {**entered(title="松本市の下書き"), "attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    draft_id = mine.session[drafts.SESSION_KEY]
    theirs = client_of(people["shizuoka"])
    session = theirs.session
    session[drafts.SESSION_KEY] = draft_id  # an id learnt somehow, put in their own session
    session.save()
    assert "松本市の下書き" not in theirs.get(NEW).content.decode()
    assert theirs.get(CHECK)["Location"] == NEW
    theirs.post(NEW, entered(title="静岡市の件名"))  # a new draft of their own, not a change to this one
    assert theirs.session[drafts.SESSION_KEY] != draft_id
    kept = drafts.Draft.load(draft_id, people["matsumoto"])
    assert kept.data["title"] == "松本市の下書き" and [f["name"] for f in kept.files] == ["a.pdf"]
