"""The secretariat's editing of library entries through the API: a partial edit is
a new version, withdrawal with a reason, the versions with who and when, and the
list by status. Every door tried by every role on a draft, a published and a
withdrawn entry: the secretariat's doors are 403 on what a reader may see and 404
on what they may not."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult.models import Event
from library import services
from library.models import Entry, EntryStatus
from library.redaction import NAME_MARK
from measures.models import Measure

pytestmark = pytest.mark.django_db

READERS = ("matsumoto", "niigata", "maff", "meti", "digital")
STATES = ("draft", "published", "withdrawn")


@pytest.fixture
def measures(db):
    call_command("load_measures", verbosity=0)
    return list(Measure.objects.filter(is_active=True).order_by("pk")[:3])


@pytest.fixture
def entry_in(people, resolved):
    """``entry_in(state)``: an entry of 松本市's answered consultation in that state."""

    def make(state, **values):
        values.setdefault("title", "ドローンによる農薬散布の補助")
        values.setdefault("question", "ドローンで農薬を散布する費用に使える補助はありますか。")
        values.setdefault("answer", "スマート農業の実証事業の補助が使えます。")
        entry = services.propose_entry(actor=people["maff"], consultation=resolved(), **values)
        if state != "draft":
            services.publish_entry(actor=people["secretariat"], entry=entry)
        if state == "withdrawn":
            services.withdraw_entry(actor=people["secretariat"], entry=entry, reason="制度改正")
        return Entry.objects.get(pk=entry.pk)

    return make


# --- PATCH library/{id}/ ----------------------------------------------------------------------------


def test_an_edit_is_a_new_version_and_readers_keep_the_published_one(api, people, entry_in, measures):
    entry = entry_in("published")
    office = api(people["secretariat"])
    edited = office.patch(
        f"/api/v1/library/{entry.pk}/",
        {"title": "改題：ドローン散布", "tags": ["ドローン", "補助"], "measures": [m.pk for m in measures[:2]],
         "policy_area": "sme-dx", "note": "表現を整理"},
        format="json",
    )  # fmt: skip
    assert edited.status_code == 200, edited.content
    row = edited.json()
    assert row["version"] == 2 and row["title"] == "改題：ドローン散布" and row["tags"] == ["ドローン", "補助"]
    # The fields left out keep the latest version's text.
    assert row["question"] == "ドローンで農薬を散布する費用に使える補助はありますか。"
    assert row["policy_area"] == "sme-dx" and sorted(row["measures"]) == sorted(m.pk for m in measures[:2])
    entry.refresh_from_db()
    assert entry.current.number == 2 and entry.current.note == "表現を整理" and entry.published.number == 1
    reader = api(people["niigata"]).get(f"/api/v1/library/{entry.pk}/").json()
    assert reader["title"] == "ドローンによる農薬散布の補助" and reader["version"] == 1
    # The same text again is no new version; the measures alone change.
    again = office.patch(f"/api/v1/library/{entry.pk}/", {"measures": [measures[2].pk]}, format="json")
    assert again.json()["version"] == 2 and again.json()["measures"] == [measures[2].pk]


def test_an_edit_removes_the_peoples_names_again(api, people, entry_in):
    entry = entry_in("draft")
    filer = people["matsumoto"].display_name
    edited = api(people["secretariat"]).patch(
        f"/api/v1/library/{entry.pk}/", {"answer": f"{filer}さんの質問への回答です。"}, format="json"
    )
    assert edited.status_code == 200
    assert filer not in edited.json()["answer"] and NAME_MARK in edited.json()["answer"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"policy_area": "no-such-area"}, "policy_area"),
        ({"measures": [999_999]}, "measures"),
        ({"tags": ["t"] * 11}, "tags"),
    ],
)
def test_an_edit_names_the_field_to_fix(api, people, entry_in, body, field):
    entry = entry_in("draft")
    response = api(people["secretariat"]).patch(f"/api/v1/library/{entry.pk}/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert Entry.objects.get(pk=entry.pk).versions.count() == 1


@pytest.mark.parametrize("state", STATES)
def test_the_secretariat_edits_an_entry_in_any_state(api, people, entry_in, state):
    entry = entry_in(state)
    response = api(people["secretariat"]).patch(f"/api/v1/library/{entry.pk}/", {"title": "改題"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == state
    assert response.json()["title"] == "改題"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", READERS)
def test_nobody_else_edits_withdraws_or_reads_the_versions(api, people, entry_in, state, who):
    """A published entry is theirs to read (403: not theirs to change); a draft or a withdrawn
    one they may not know of (404), however they ask."""
    entry = entry_in(state)
    client = api(people[who])
    expected = 403 if state == "published" else 404
    url = f"/api/v1/library/{entry.pk}/"
    assert client.patch(url, {"title": "乗っ取り"}, format="json").status_code == expected
    assert client.post(f"{url}withdraw/", {"reason": "x"}, format="json").status_code == expected
    assert client.get(f"{url}versions/").status_code == expected
    assert client.get(url).status_code == (200 if state == "published" else 404)
    entry.refresh_from_db()
    assert entry.status == state and entry.versions.count() == 1 and entry.current.title != "乗っ取り"


def test_anonymous_callers_are_refused_everywhere(api, entry_in):
    entry = entry_in("published")
    url = f"/api/v1/library/{entry.pk}/"
    client = api()
    assert client.patch(url, {"title": "x"}, format="json").status_code in (401, 403)
    assert client.post(f"{url}withdraw/").status_code in (401, 403)
    assert client.get(f"{url}versions/").status_code in (401, 403)
    assert client.get("/api/v1/library/", {"status": "draft"}).status_code in (401, 403)


# --- POST library/{id}/withdraw/ ----------------------------------------------------------------------


@pytest.mark.parametrize(("state", "code"), [("draft", 200), ("published", 200), ("withdrawn", 409)])
def test_the_secretariat_withdraws_with_a_reason(api, people, entry_in, state, code):
    entry = entry_in(state)
    before = Event.objects.filter(kind="library_withdrawn").count()
    response = api(people["secretariat"]).post(
        f"/api/v1/library/{entry.pk}/withdraw/", {"reason": "制度が終了したため"}, format="json"
    )
    assert response.status_code == code, response.content
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.WITHDRAWN
    if code == 200:
        assert response.json()["status"] == "withdrawn"
        event = Event.objects.filter(kind="library_withdrawn").latest("id")
        assert event.reason == "制度が終了したため" and event.consultation_id == entry.source_id
        assert api(people["niigata"]).get(f"/api/v1/library/{entry.pk}/").status_code == 404
    else:
        assert response.json()["status"] == "withdrawn"
        assert Event.objects.filter(kind="library_withdrawn").count() == before


# --- GET library/{id}/versions/ -----------------------------------------------------------------------


def test_the_versions_say_who_wrote_them_and_when(api, people, entry_in):
    entry = entry_in("published")
    office = api(people["secretariat"])
    office.patch(f"/api/v1/library/{entry.pk}/", {"answer": "改訂した回答", "note": "制度改正"}, format="json")
    versions = office.get(f"/api/v1/library/{entry.pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    latest, first = versions
    assert latest["editor"] == {"id": people["secretariat"].pk, "name": people["secretariat"].display_name}
    assert latest["note"] == "制度改正" and latest["answer"] == "改訂した回答" and latest["created_at"]
    assert latest["current"] and not latest["published"]
    assert first["editor"]["id"] == people["maff"].pk and first["published"] and not first["current"]
    services.withdraw_entry(actor=people["secretariat"], entry=entry)
    assert not any(v["published"] for v in office.get(f"/api/v1/library/{entry.pk}/versions/").json())


# --- GET library/?status= -------------------------------------------------------------------------------


def test_the_secretariat_lists_each_status_with_the_latest_version(api, people, entry_in):
    entries = {state: entry_in(state, title=f"{state}の事例") for state in STATES}
    office = api(people["secretariat"])
    for state, entry in entries.items():
        rows = office.get("/api/v1/library/", {"status": state}).json()["results"]
        assert [(row["id"], row["status"]) for row in rows] == [(entry.pk, state)]
    office.patch(f"/api/v1/library/{entries['published'].pk}/", {"title": "改題"}, format="json")
    assert office.get("/api/v1/library/", {"status": "published"}).json()["results"][0]["title"] == "改題"
    # Without a status the list is what every reader sees: the published version.
    assert office.get("/api/v1/library/").json()["results"][0]["title"] == "publishedの事例"


@pytest.mark.parametrize("who", READERS)
def test_readers_asking_for_drafts_are_refused_and_never_see_one(api, people, entry_in, who):
    drafts = {entry_in("draft").pk, entry_in("withdrawn").pk}
    published = entry_in("published")
    client = api(people[who])
    for state in ("draft", "withdrawn"):
        refused = client.get("/api/v1/library/", {"status": state})
        assert refused.status_code == 400 and "status" in refused.json()["errors"]
        assert not drafts & {row.get("id") for row in refused.json().get("results", [])}
    rows = client.get("/api/v1/library/", {"status": "published"}).json()["results"]
    assert [row["id"] for row in rows] == [published.pk]
    assert [row["id"] for row in client.get("/api/v1/library/").json()["results"]] == [published.pk]


def test_a_status_list_refuses_what_it_cannot_answer(api, people, entry_in):
    entry_in("draft")
    office = api(people["secretariat"])
    assert office.get("/api/v1/library/", {"status": "deleted"}).status_code == 400
    # q searches the published text: with drafts it would always be empty, so it is refused.
    assert office.get("/api/v1/library/", {"status": "draft", "q": "ドローン"}).status_code == 400
    assert office.get("/api/v1/library/", {"status": "draft", "policy_area": "smart-agri"}).json()["count"] == 1
    assert office.get("/api/v1/library/", {"status": "draft", "policy_area": "childcare"}).json()["count"] == 0


def test_a_status_list_has_a_constant_number_of_queries(api, people, entry_in):
    entry_in("draft", title="下書き0")
    client = api(people["secretariat"])
    client.get("/api/v1/library/", {"status": "draft"})
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/library/", {"status": "draft"}).json()["count"] == 1
    for number in range(1, 8):
        entry_in("draft", title=f"下書き{number}")
    with CaptureQueriesContext(connection) as large:
        assert client.get("/api/v1/library/", {"status": "draft"}).json()["count"] == 8
    assert len(large) == len(small)


def test_the_new_doors_are_in_the_schema(api, people):
    schema = api(people["secretariat"]).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "patch" in paths["/api/v1/library/{id}/"]
    assert "post" in paths["/api/v1/library/{id}/withdraw/"]
    assert "get" in paths["/api/v1/library/{id}/versions/"]
    statuses = [p for p in paths["/api/v1/library/"]["get"]["parameters"] if p["name"] == "status"]
    assert statuses and statuses[0]["schema"]["enum"] == ["draft", "published", "withdrawn"]
