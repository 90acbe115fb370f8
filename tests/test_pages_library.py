"""The library pages: the list and an entry for every role, the secretariat's
review (edit, publish, withdraw, views and usefulness), the consultation page's
proposal and consent forms and similar answered consultations, and the filing
pages' similar entries (htmx and the check page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library import services
from library.models import Entry, EntryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _drafts_dir(settings, tmp_path):
    settings.BANSO_DRAFTS_DIR = tmp_path / "drafts"


@pytest.fixture
def published(people, resolved, django_capture_on_commit_callbacks):
    entry = services.propose_entry(
        actor=people["maff"], consultation=resolved(), title="ドローンによる農薬散布の補助",
        question="ドローンでの農薬散布に使える補助は？", answer="スマート農業の実証事業が使えます。",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_entry(actor=people["secretariat"], entry=entry)
    return Entry.objects.get(pk=entry.pk)


@pytest.mark.parametrize("who", ["matsumoto", "niigata", "maff", "meti", "secretariat"])
def test_every_role_reads_the_library_and_finds_the_link_in_the_menu(people, client_of, published, who):
    client = client_of(people[who])
    page = client.get("/library/").content.decode()
    assert 'href="/library/"' in page and published.title in page
    detail = client.get(f"/library/{published.pk}/")
    assert detail.status_code == 200 and "スマート農業の実証事業が使えます。" in detail.content.decode()
    searched = client.get("/library/", {"q": "ドローン"}).content.decode()
    assert "<mark>ドローン</mark>" in searched


def test_the_link_to_the_consultation_only_for_those_who_see_it(people, client_of, published):
    link = f'href="/consultations/{published.source_id}/"'
    for who, sees in (("matsumoto", True), ("maff", True), ("secretariat", True), ("niigata", False),
                      ("meti", False)):  # fmt: skip
        assert (link in client_of(people[who]).get(f"/library/{published.pk}/").content.decode()) is sees, who


def test_a_draft_is_404_to_readers_and_reviewed_by_the_secretariat(people, client_of, resolved):
    entry = services.propose_entry(actor=people["maff"], consultation=resolved(), title="下書き",
                                   question="質問", answer="回答")  # fmt: skip
    for who in ("matsumoto", "niigata", "maff"):
        assert client_of(people[who]).get(f"/library/{entry.pk}/").status_code == 404
        assert client_of(people[who]).post(f"/library/{entry.pk}/publish/").status_code == 404
        assert client_of(people[who]).get("/library/review/").status_code == 404
    office = client_of(people["secretariat"])
    assert "審査待ち" in office.get("/library/review/").content.decode()
    edited = office.post(f"/library/{entry.pk}/edit/", {"title": "改題", "question": "質問2", "answer": "回答2",
                                                        "tags": "農業、補助", "note": "整理"})  # fmt: skip
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert entry.current.number == 2 and entry.current.tags == ["農業", "補助"]
    refused = office.post(f"/library/{entry.pk}/edit/", {"title": "", "question": "q", "answer": "a"})
    assert refused.status_code == 400 and "件名を" in refused.content.decode()
    office.post(f"/library/{entry.pk}/publish/")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED and entry.title == "改題"
    office.post(f"/library/{entry.pk}/withdraw/", {"reason": "古い"})
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.WITHDRAWN


def test_useful_once_and_the_secretariat_sees_views_and_usefulness(people, client_of, published):
    reader = client_of(people["niigata"])
    reader.get(f"/library/{published.pk}/")
    reader.post(f"/library/{published.pk}/useful/")
    reader.post(f"/library/{published.pk}/useful/")
    entry = Entry.objects.get(pk=published.pk)
    assert entry.useful_count == 1 and entry.view_count == 1
    assert "記録済み" in reader.get(f"/library/{published.pk}/").content.decode()
    review = client_of(people["secretariat"]).get("/library/review/").content.decode()
    assert "<td>2</td>" in review and "<td>1</td>" in review  # views (2 readings) and useful


def test_the_consultation_page_offers_the_proposal_to_its_offices_only(people, client_of, resolved):
    consultation = resolved()
    url = f"/consultations/{consultation.pk}/"
    assert "回答事例として提案" in client_of(people["maff"]).get(url).content.decode()
    assert "回答事例として提案" in client_of(people["secretariat"]).get(url).content.decode()
    assert "回答事例として提案" not in client_of(people["matsumoto"]).get(url).content.decode()
    posted = client_of(people["maff"]).post(f"/consultations/{consultation.pk}/library-proposal/", {
        "title": "事例", "question": f"{people['matsumoto'].display_name}からの質問", "answer": "回答"})  # fmt: skip
    assert posted.status_code == 302
    entry = Entry.objects.get(source=consultation)
    assert people["matsumoto"].display_name not in entry.current.question
    # Outsiders: 404, and nothing is written.
    for who in ("meti", "niigata"):
        response = client_of(people[who]).post(f"/consultations/{consultation.pk}/library-proposal/",
                                               {"title": "x", "question": "y", "answer": "z"})  # fmt: skip
        assert response.status_code == 404
    assert Entry.objects.count() == 1


def test_the_filer_answers_the_consent_question(people, client_of, file):
    consultation = file(people["matsumoto"])
    page = client_of(people["matsumoto"]).get(f"/consultations/{consultation.pk}/").content.decode()
    assert "団体名を表示してよいですか" in page
    assert (
        "団体名を表示してよいですか"
        not in client_of(people["maff"]).get(f"/consultations/{consultation.pk}/").content.decode()
    )
    client_of(people["matsumoto"]).post(f"/consultations/{consultation.pk}/library-consent/", {"consent": "yes"})
    consultation.refresh_from_db()
    assert consultation.library_consent is True
    assert (
        client_of(people["niigata"])
        .post(f"/consultations/{consultation.pk}/library-consent/", {"consent": "no"})
        .status_code
        == 404
    )
    consultation.refresh_from_db()
    assert consultation.library_consent is True


def test_a_liaison_sees_similar_answered_consultations(people, client_of, resolved, published):
    other = resolved(title="スマート農業の導入についての相談")
    page = client_of(people["maff"]).get(f"/consultations/{other.pk}/").content.decode()
    assert "類似の回答済み相談" in page and f'href="/consultations/{published.source_id}/"' in page
    staff = client_of(people["matsumoto"]).get(f"/consultations/{other.pk}/").content.decode()
    assert "類似の回答済み相談" not in staff


def test_the_filing_panel_suggests_entries_and_no_consultations_to_staff(people, client_of, published):
    client = client_of(people["matsumoto"])
    panel = client.get("/library/similar/", {"title": "ドローンで農薬散布", "body": "補助を使いたい"},
                       HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert f'href="/library/{published.pk}/"' in panel and "/consultations/" not in panel
    form = client.get("/consultations/new/").content.decode()
    assert 'hx-get="/library/similar/"' in form
    assert client_of(people["maff"]).get("/library/similar/", {"title": "x"}).status_code == 404


def test_the_library_list_has_a_constant_number_of_queries(
    people, client_of, resolved, django_capture_on_commit_callbacks
):
    consultation = resolved()
    client = client_of(people["niigata"])

    def publish(count):
        for number in range(count):
            entry = services.propose_entry(actor=people["maff"], consultation=consultation, title=f"事例{number}",
                                           question="質問", answer="回答")  # fmt: skip
            services.publish_entry(actor=people["secretariat"], entry=entry)

    publish(2)
    client.get("/library/")
    with CaptureQueriesContext(connection) as small:
        client.get("/library/")
    publish(10)
    with CaptureQueriesContext(connection) as large:
        client.get("/library/")
    assert len(large) == len(small)


def test_the_check_page_shows_similar_entries_without_javascript(people, client_of, published):
    from .test_pages_filing import to_check

    page = to_check(client_of(people["niigata"]), title="ドローンで農薬を散布したい").content.decode()
    assert "似ている回答事例" in page and f'href="/library/{published.pk}/"' in page
    assert "似ている回答済みの相談" not in page  # staff: library entries only
    secretariat = to_check(client_of(people["secretariat"]), filer="202029", title="ドローンで農薬を散布したい")
    assert "似ている回答済みの相談" in secretariat.content.decode()
