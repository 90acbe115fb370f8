"""Every door of the library tried as an attacker would: a reader (another town's
staff, the filer, another office's liaison, the answering office) knocking on a
draft, a withdrawn entry and an unpublished edit of a published one, through the
API, the pages, the search and the similar suggestions; the link to the source
consultation; the people's names. Each try that once could have leaked is kept
here as a test."""

import re

import pytest

from library import services
from library.models import Entry

pytestmark = pytest.mark.django_db

READERS = ("matsumoto", "niigata", "shizuoka", "maff", "maff_lead", "meti", "maff_hq", "digital")
# Words found in one hidden text each (katakana: the analyzer's bigrams find them anywhere).
DRAFT_WORD, WITHDRAWN_WORD, EDIT_WORD = "ミズバショウ", "カタクリソウ", "ザゼンソウ"


@pytest.fixture(autouse=True)
def _drafts_dir(settings, tmp_path):
    settings.BANSO_DRAFTS_DIR = tmp_path / "drafts"


@pytest.fixture
def shelf(people, resolved, django_capture_on_commit_callbacks):
    """A published entry with an unpublished edit, a draft, and a withdrawn entry that was
    published (so its search text was written) before it was withdrawn."""
    consultation = resolved()
    secretariat = people["secretariat"]

    def propose(title, text):
        return services.propose_entry(actor=people["maff"], consultation=consultation, title=title,
                                      question=f"{text}の農薬散布に使える補助は？", answer=f"{text}の実証事業が使えます。",
                                      tags=[text])  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        published = services.publish_entry(actor=secretariat, entry=propose("ドローンによる農薬散布の補助", "ドローン"))
        services.edit_entry(actor=secretariat, entry=published, title=f"{EDIT_WORD}の改訂案",
                            question=f"{EDIT_WORD}について", answer=f"{EDIT_WORD}の回答")  # fmt: skip
        draft = propose(f"{DRAFT_WORD}の下書き", DRAFT_WORD)
        withdrawn = services.publish_entry(actor=secretariat, entry=propose(f"{WITHDRAWN_WORD}の事例", WITHDRAWN_WORD))
    # Withdrawn, and the worker that clears its search text has not run yet (callbacks not run).
    with django_capture_on_commit_callbacks(execute=False):
        services.withdraw_entry(actor=secretariat, entry=withdrawn, reason="制度終了")
    entries = {name: Entry.objects.get(pk=entry.pk) for name, entry in
               (("published", published), ("draft", draft), ("withdrawn", withdrawn))}  # fmt: skip
    assert entries["withdrawn"].search_vector  # still there: only the status hides it now
    return entries


def test_withdrawing_clears_the_search_text_once_the_worker_ran(people, shelf, django_capture_on_commit_callbacks):
    """Not only the status: a withdrawn entry's words leave the index too."""
    entry = shelf["published"]
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_entry(actor=people["secretariat"], entry=entry)
    assert Entry.objects.get(pk=entry.pk).search_vector == ""


def _hidden_ids(shelf) -> set[int]:
    return {shelf["draft"].pk, shelf["withdrawn"].pk}


# --- the doors of one entry ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "withdrawn"])
@pytest.mark.parametrize("who", READERS)
def test_every_door_of_a_hidden_entry_is_404_and_says_no_more_than_a_missing_one(
    api, client_of, people, shelf, state, who
):
    entry = shelf[state]
    client = api(people[who])
    missing = client.get("/api/v1/library/999999/")
    for method, url, body in (
        ("get", f"/api/v1/library/{entry.pk}/", None),
        ("patch", f"/api/v1/library/{entry.pk}/", {"title": "乗っ取り"}),
        ("get", f"/api/v1/library/{entry.pk}/versions/", None),
        ("post", f"/api/v1/library/{entry.pk}/withdraw/", {"reason": "x"}),
        ("post", f"/api/v1/library/{entry.pk}/publish/", None),
        ("post", f"/api/v1/library/{entry.pk}/useful/", None),
    ):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
        assert response.json() == missing.json(), (method, url)  # no oracle: the same as no entry at all
    page = client_of(people[who])
    assert page.get(f"/library/{entry.pk}/").status_code == 404
    for action in ("useful", "edit", "publish", "withdraw"):
        assert page.post(f"/library/{entry.pk}/{action}/", {"title": "乗っ取り", "reason": "x"}).status_code == 404
    entry.refresh_from_db()
    assert entry.status == state and entry.useful_count == 0 and entry.versions.count() == 1


@pytest.mark.parametrize("who", READERS)
def test_readers_read_the_published_version_never_the_unpublished_edit(api, client_of, people, shelf, who):
    entry = shelf["published"]
    detail = api(people[who]).get(f"/api/v1/library/{entry.pk}/").json()
    assert detail["version"] == 1 and EDIT_WORD not in str(detail)
    assert EDIT_WORD not in str(api(people[who]).get("/api/v1/library/").json())
    page = client_of(people[who]).get(f"/library/{entry.pk}/").content.decode()
    assert EDIT_WORD not in page and "ドローンの実証事業が使えます。" in page
    # The secretariat reviews the latest version, and readers never get the review form.
    assert f'action="/library/{entry.pk}/edit/"' not in page
    assert EDIT_WORD in client_of(people["secretariat"]).get(f"/library/{entry.pk}/").content.decode()


# --- search and suggestions ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*READERS, "secretariat"])
def test_no_search_finds_a_hidden_text(api, client_of, people, shelf, who):
    """The secretariat too: the readers' list and search are the published text only
    (its drafts are in the review list and ``?status=``)."""
    client, page = api(people[who]), client_of(people[who])
    for word in (DRAFT_WORD, WITHDRAWN_WORD, EDIT_WORD):
        assert client.get("/api/v1/library/", {"q": word}).json()["count"] == 0, word
        listed = page.get("/library/", {"q": word}).content.decode()
        assert word not in listed.replace(f'value="{word}"', ""), word  # only in the search box
    rows = client.get("/api/v1/library/", {"policy_area": "smart-agri"}).json()["results"]
    assert [row["id"] for row in rows] == [shelf["published"].pk]
    assert [row["id"] for row in client.get("/api/v1/library/", {"q": "農薬散布"}).json()["results"]] == [
        shelf["published"].pk
    ]


@pytest.mark.parametrize("who", [*READERS, "secretariat"])
def test_no_suggestion_is_a_hidden_entry(api, client_of, people, shelf, who):
    client = api(people[who])
    for word, title in ((DRAFT_WORD, f"{DRAFT_WORD}の下書き"), (WITHDRAWN_WORD, f"{WITHDRAWN_WORD}の事例"),
                        (EDIT_WORD, f"{EDIT_WORD}の改訂案")):  # fmt: skip
        items = client.get("/api/v1/consultations/similar/", {"title": title, "body": f"{word}の農薬散布"}).json()
        assert not {item["id"] for item in items if item["kind"] == "library"} & _hidden_ids(shelf), word
        assert word not in str(items)
        if people[who].role in ("staff", "secretariat"):
            panel = client_of(people[who]).get("/library/similar/", {"title": title, "body": word})
            assert panel.status_code == 200 and word not in panel.content.decode(), word


def test_the_consultation_pages_suggestions_show_no_hidden_entry(client_of, people, resolved, shelf):
    """A liaison's consultation page suggests similar answered consultations and entries."""
    other = resolved(title=f"{DRAFT_WORD}と{WITHDRAWN_WORD}の農薬散布", body=f"{EDIT_WORD}の補助について")
    page = client_of(people["maff"]).get(f"/consultations/{other.pk}/").content.decode()
    section = page[page.index('id="library"') :]
    for entry in (shelf["draft"], shelf["withdrawn"]):
        assert f'href="/library/{entry.pk}/"' not in section
    assert f"{EDIT_WORD}の改訂案" not in section


# --- the link to the consultation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [("matsumoto", True), ("shizuoka", True), ("maff", True), ("maff_lead", True), ("secretariat", True),
     ("niigata", False), ("meti", False), ("maff_hq", False), ("digital", False)],
)  # fmt: skip
def test_the_link_to_the_consultation_is_for_those_who_may_open_it(
    api, client_of, people, resolved, django_capture_on_commit_callbacks, who, sees
):
    """The filer, its co-filer (静岡市), the answering office and the secretariat; nobody else,
    whether the id is in JSON or a link on the page."""
    consultation = resolved(co_filers=["221007"])
    entry = services.propose_entry(actor=people["maff"], consultation=consultation, title="ドローンの補助",
                                   question="補助は？", answer="実証事業です。")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_entry(actor=people["secretariat"], entry=entry)
    client = api(people[who])
    assert (client.get(f"/api/v1/library/{entry.pk}/").json()["consultation"] == consultation.pk) is sees
    assert (client.get("/api/v1/library/").json()["results"][0]["consultation"] == consultation.pk) is sees
    assert (client.get("/api/v1/library/", {"q": "ドローン"}).json()["results"][0]["consultation"]
            == consultation.pk) is sees  # fmt: skip
    page = client_of(people[who]).get(f"/library/{entry.pk}/").content.decode()
    assert (f'href="/consultations/{consultation.pk}/"' in page) is sees
    # Those who may not open it may not even learn its number from the page.
    if not sees:
        assert consultation.reference not in page
        assert client_of(people[who]).get(f"/consultations/{consultation.pk}/").status_code == 404


# --- the people's names ------------------------------------------------------------------------------


def test_no_reader_finds_the_peoples_names_or_addresses(
    api, client_of, people, resolved, django_capture_on_commit_callbacks
):
    consultation = resolved()
    matsumoto, maff = people["matsumoto"], people["maff"]
    names = [matsumoto.display_name, maff.display_name, matsumoto.display_name.replace(" ", ""),
             maff.display_name.replace(" ", "\u3000")]  # fmt: skip
    entry = services.propose_entry(
        actor=maff, consultation=consultation, title=f"{matsumoto.display_name.replace(' ', '')}さんのドローン補助",
        question=f"{names[0]}です。{matsumoto.email} までご連絡ください。", answer=f"担当の{names[3]}です。",
        tags=[maff.display_name, "ドローン"],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_entry(actor=people["secretariat"], entry=entry)
    # The secretariat's edit brings a name back: removed again.
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_entry(actor=people["secretariat"], entry=entry, title="ドローン補助の事例",
                            question=f"{names[0]}です。", answer=f"{maff.email}（{names[1]}）が回答しました。")  # fmt: skip
        services.publish_entry(actor=people["secretariat"], entry=entry)
    secrets = [*names, matsumoto.email, maff.email, people["secretariat"].display_name]
    for who in ("niigata", "meti", "digital"):
        client, page = api(people[who]), client_of(people[who])
        shown = [
            client.get(f"/api/v1/library/{entry.pk}/").content.decode(),
            client.get("/api/v1/library/", {"q": "ドローン"}).content.decode(),
            client.get("/api/v1/consultations/similar/", {"title": "ドローン補助の事例"}).content.decode(),
            page.get(f"/library/{entry.pk}/").content.decode(),
            page.get("/library/", {"q": "ドローン"}).content.decode(),
        ]
        for text in shown:
            # JSON escapes nothing here (UTF-8), so a plain search of the text is enough.
            for secret in secrets:
                assert secret not in text, (who, secret)
        assert client.get(f"/api/v1/library/{entry.pk}/").json()["local_government"] is None


def test_the_text_is_escaped_on_every_page(client_of, people, resolved, django_capture_on_commit_callbacks):
    entry = services.propose_entry(
        actor=people["maff"], consultation=resolved(), title="<script>alert(1)</script>ドローン",
        question='<img src=x onerror="alert(1)">ドローンの補助', answer="<b>ドローン</b>の回答",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_entry(actor=people["secretariat"], entry=entry)
    client = client_of(people["niigata"])
    for page in (client.get(f"/library/{entry.pk}/"), client.get("/library/", {"q": "ドローン"}),
                 client.get("/library/similar/", {"title": "ドローン"})):  # fmt: skip
        text = page.content.decode()
        assert "<script>alert(1)" not in text and "<img src=x" not in text and "<b>ドローン" not in text
        assert re.search(r"&lt;(script|img|b)", text)
