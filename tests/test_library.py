"""The good-answer library: proposals, review and publishing, versions, useful
marks, the filer's consent, the API's shapes, and who sees what (attackers:
another town's staff, another office's liaison, drafts for non-secretariat)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import services as consult_services
from consult.lifecycle import IllegalTransition
from consult.models import Event
from library import services
from library.models import Entry, EntryStatus, EntryVersion, Useful
from library.redaction import EMAIL_MARK, NAME_MARK, redact

pytestmark = pytest.mark.django_db

ENTRY_KEYS = {"id", "title", "question", "answer", "policy_area", "local_government", "measures", "published_at",
              "useful_count"}  # fmt: skip


# --- names removed (pure) ---------------------------------------------------------------------


def test_redact_replaces_names_in_every_spacing_and_every_address():
    text = (
        "松本 花子です。hanako@matsumoto.example.lg.jp か ｈａｎａｋｏ＠ｅｘ．ｊｐ へ。松本市の松本花子、松本　花子。"
    )
    assert redact(text, names=["松本 花子"]) == (
        f"{NAME_MARK}です。{EMAIL_MARK} か {EMAIL_MARK} へ。松本市の{NAME_MARK}、{NAME_MARK}。"
    )


def test_redact_keeps_the_rest_exactly_and_ignores_one_letter_names():
    text = "（１）補助率は１／２です。田 さん"
    assert redact(text, names=["田", ""]) == text
    assert redact("John Smith and JOHN  SMITH", names=["John Smith"]) == f"{NAME_MARK} and {NAME_MARK}"


# --- helpers ------------------------------------------------------------------------------------


def _propose(people, consultation, **values):
    values.setdefault("title", "ドローンによる農薬散布の補助")
    values.setdefault("question", "ドローンで農薬を散布する費用に使える補助はありますか。")
    values.setdefault("answer", "スマート農業の実証事業の補助が使えます。")
    return services.propose_entry(actor=people["maff"], consultation=consultation, **values)


def _published(people, resolved, **values):
    entry = _propose(people, resolved(), **values)
    return services.publish_entry(actor=people["secretariat"], entry=entry)


# --- services -----------------------------------------------------------------------------------


def test_a_proposal_is_a_draft_without_the_peoples_names(people, resolved):
    consultation = resolved()
    liaison, filer = people["maff"].display_name, people["matsumoto"].display_name
    entry = _propose(
        people, consultation,
        question=f"{filer}です。連絡は {people['matsumoto'].email} まで。",
        answer=f"担当の{liaison}が回答します。", tags=["ドローン", "ドローン", " 補助 "],
    )  # fmt: skip
    assert entry.status == EntryStatus.DRAFT and entry.current.number == 1
    assert filer not in entry.current.question and people["matsumoto"].email not in entry.current.question
    assert NAME_MARK in entry.current.question and EMAIL_MARK in entry.current.question
    assert liaison not in entry.current.answer
    assert entry.current.tags == ["ドローン", "補助"]
    event = Event.objects.get(consultation=consultation, kind="library_proposed")
    assert event.actor == people["maff"] and event.data["entry"] == entry.pk


def test_only_answered_consultations_and_their_offices_propose(people, file, resolved):
    open_one = file(people["matsumoto"])
    with pytest.raises(IllegalTransition):
        _propose(people, open_one)
    consultation = resolved()
    for who in ("matsumoto", "meti"):
        with pytest.raises(PermissionDenied):
            services.propose_entry(actor=people[who], consultation=consultation, title="t", question="q", answer="a")
    with pytest.raises(ValidationError) as error:
        _propose(people, consultation, title="", answer="")
    assert set(error.value.message_dict) == {"title", "answer"}
    assert (
        services.propose_entry(
            actor=people["secretariat"], consultation=consultation, title="t", question="q", answer="a"
        ).status
        == EntryStatus.DRAFT
    )


def test_edits_are_versions_and_readers_see_the_published_one(people, resolved):
    entry = _published(people, resolved)
    services.edit_entry(actor=people["secretariat"], entry=entry, title="改題", question="質問2", answer="回答2",
                        note="表現を整理")  # fmt: skip
    entry.refresh_from_db()
    assert list(entry.versions.values_list("number", flat=True)) == [2, 1]
    assert entry.published.number == 1 and entry.current.number == 2 and entry.title != "改題"
    services.publish_entry(actor=people["secretariat"], entry=entry)
    entry.refresh_from_db()
    assert entry.published.number == 2 and entry.title == "改題"
    with pytest.raises(IllegalTransition):
        services.publish_entry(actor=people["secretariat"], entry=entry)  # nothing new
    with pytest.raises(PermissionDenied):
        services.edit_entry(actor=people["maff"], entry=entry, title="x", question="y", answer="z")
    services.withdraw_entry(actor=people["secretariat"], entry=entry, reason="制度改正")
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.WITHDRAWN
    kinds = list(Event.objects.filter(consultation=entry.source, kind__startswith="library_")
                 .values_list("kind", flat=True))  # fmt: skip
    assert kinds == ["library_proposed", "library_published", "library_published", "library_withdrawn"]


def test_useful_counts_once_per_person(people, resolved):
    entry = _published(people, resolved)
    assert services.mark_useful(user=people["niigata"], entry=entry) == (True, 1)
    assert services.mark_useful(user=people["niigata"], entry=entry) == (False, 1)
    assert services.mark_useful(user=people["meti"], entry=entry) == (True, 2)
    assert Useful.objects.filter(entry=entry).count() == 2


def test_the_filer_consents_to_be_named(people, resolved, api):
    entry = _published(people, resolved)
    url = f"/api/v1/library/{entry.pk}/"
    assert api(people["niigata"]).get(url).json()["local_government"] is None
    with pytest.raises(PermissionDenied):
        consult_services.set_library_consent(actor=people["maff"], consultation=entry.source, consent=True)
    consult_services.set_library_consent(actor=people["matsumoto"], consultation=entry.source, consent=True)
    assert api(people["niigata"]).get(url).json()["local_government"]["code"] == entry.source.filer_id
    assert Event.objects.filter(consultation=entry.source, kind="library_consent_set").count() == 1
    consult_services.set_library_consent(actor=people["matsumoto"], consultation=entry.source, consent=False)
    assert api(people["niigata"]).get(url).json()["local_government"] is None


# --- the API ------------------------------------------------------------------------------------


def test_the_api_keeps_the_contract(api, people, resolved):
    consultation = resolved()
    office = api(people["maff"])
    url = f"/api/v1/consultations/{consultation.pk}/library-proposal/"
    body = {"title": "ドローン散布の補助", "question": "使える補助は？", "answer": "実証事業です。", "tags": ["農業"]}
    created = office.post(url, body, format="json")
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    # A draft is the secretariat's: 404 to every other reader, and no list shows it.
    for who in ("maff", "niigata", "matsumoto"):
        assert api(people[who]).get(f"/api/v1/library/{entry_id}/").status_code == 404
    assert api(people["niigata"]).get("/api/v1/library/").json()["count"] == 0
    assert api(people["maff"]).post(f"/api/v1/library/{entry_id}/publish/").status_code == 404
    assert api(people["matsumoto"]).post(f"/api/v1/library/{entry_id}/useful/").status_code == 404
    assert api(people["secretariat"]).post(f"/api/v1/library/{entry_id}/useful/").status_code == 409
    published = api(people["secretariat"]).post(f"/api/v1/library/{entry_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert api(people["secretariat"]).post(f"/api/v1/library/{entry_id}/publish/").status_code == 409
    assert api(people["maff"]).post(f"/api/v1/library/{entry_id}/publish/").status_code == 403
    row = api(people["niigata"]).get("/api/v1/library/").json()["results"][0]
    assert set(row) >= ENTRY_KEYS
    assert row["policy_area"] == "smart-agri" and row["local_government"] is None and row["useful_count"] == 0
    assert row["published_at"] and isinstance(row["measures"], list)
    detail = api(people["niigata"]).get(f"/api/v1/library/{entry_id}/").json()
    assert set(detail) >= ENTRY_KEYS and detail["title"] == "ドローン散布の補助"
    useful = api(people["niigata"]).post(f"/api/v1/library/{entry_id}/useful/")
    assert useful.json() == {"useful": True, "counted": True, "useful_count": 1}
    again = api(people["niigata"]).post(f"/api/v1/library/{entry_id}/useful/")
    assert again.json() == {"useful": True, "counted": False, "useful_count": 1}
    assert api(people["niigata"]).get("/api/v1/library/", {"policy_area": "childcare"}).json()["count"] == 0


def test_proposal_refusals_are_clear(api, people, file, resolved):
    open_one = file(people["matsumoto"])
    body = {"title": "t", "question": "q", "answer": "a"}
    url = f"/api/v1/consultations/{open_one.pk}/library-proposal/"
    conflict = api(people["maff"]).post(url, body, format="json")
    assert conflict.status_code == 409 and "回答事例として提案" in conflict.json()["detail"]
    assert api(people["matsumoto"]).post(url, body, format="json").status_code == 403
    # Outside visibility: 404 (another office, another town).
    assert api(people["meti"]).post(url, body, format="json").status_code == 404
    assert api(people["niigata"]).post(url, body, format="json").status_code == 404
    assert api().post(url, body, format="json").status_code in (401, 403)
    bad = api(people["maff"]).post(f"/api/v1/consultations/{resolved().pk}/library-proposal/",
                                   {"title": ""}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "question" in bad.json()["errors"]
    assert not Entry.objects.exists()


def test_the_link_to_the_consultation_only_for_those_who_see_it(api, people, resolved):
    entry = _published(people, resolved)
    url = f"/api/v1/library/{entry.pk}/"
    assert api(people["matsumoto"]).get(url).json()["consultation"] == entry.source_id
    assert api(people["maff"]).get(url).json()["consultation"] == entry.source_id
    assert api(people["secretariat"]).get(url).json()["consultation"] == entry.source_id
    for outsider in ("niigata", "meti", "digital"):
        assert api(people[outsider]).get(url).json()["consultation"] is None
        row = api(people[outsider]).get("/api/v1/library/").json()["results"][0]
        assert row["consultation"] is None


def test_the_list_has_a_constant_number_of_queries(api, people, resolved):
    consultation = resolved()
    for number in range(3):
        entry = _propose(people, consultation, title=f"事例{number}")
        services.publish_entry(actor=people["secretariat"], entry=entry)
    client = api(people["niigata"])
    client.get("/api/v1/library/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/library/", {"page_size": 1}).status_code == 200
    for number in range(3, 12):
        entry = _propose(people, consultation, title=f"事例{number}")
        services.publish_entry(actor=people["secretariat"], entry=entry)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/library/", {"page_size": 50}).json()["results"]) == 12
    assert len(large) == len(small)


def test_withdrawn_entries_disappear_for_readers(api, people, resolved):
    entry = _published(people, resolved)
    services.withdraw_entry(actor=people["secretariat"], entry=entry)
    assert api(people["niigata"]).get(f"/api/v1/library/{entry.pk}/").status_code == 404
    assert api(people["niigata"]).get("/api/v1/library/").json()["count"] == 0
    assert api(people["secretariat"]).get(f"/api/v1/library/{entry.pk}/").json()["status"] == "withdrawn"
    assert EntryVersion.objects.filter(entry=entry).count() == 1
