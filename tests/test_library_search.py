"""Searching the library and similar suggestions: the project's analyzer, ranked;
similar consultations only for liaisons and the secretariat, and only visible ones."""

import pytest

from consult import services as consult_services
from library import services, similarity
from library.models import Entry

pytestmark = pytest.mark.django_db


def _publish(people, consultation, capture, **text):
    entry = services.propose_entry(actor=people["maff"], consultation=consultation, **text)
    with capture(execute=True):
        services.publish_entry(actor=people["secretariat"], entry=entry)
    return Entry.objects.get(pk=entry.pk)


@pytest.fixture
def shelf(people, resolved, django_capture_on_commit_callbacks):
    consultation = resolved()
    drone = _publish(
        people, consultation, django_capture_on_commit_callbacks, title="ドローンによる農薬散布の補助",
        question="スマート農業でドローンを使った農薬散布に補助はありますか。",
        answer="スマート農業実証プロジェクトの補助金が使えます。", tags=["スマート農業"],
    )  # fmt: skip
    school = _publish(
        people, consultation, django_capture_on_commit_callbacks, title="学校のタブレット端末の更新",
        question="ＧＩＧＡスクールの端末更新の費用は？", answer="端末の更新には基金による補助があります。",
    )  # fmt: skip
    return {"drone": drone, "school": school, "consultation": consultation}


def test_search_finds_japanese_words_ranked(api, people, shelf):
    client = api(people["niigata"])
    found = client.get("/api/v1/library/", {"q": "スマート農業"}).json()
    assert [row["id"] for row in found["results"]] == [shelf["drone"].pk]
    both = client.get("/api/v1/library/", {"q": "補助"}).json()
    assert {row["id"] for row in both["results"]} == {shelf["drone"].pk, shelf["school"].pk}
    # Full-width letters fold: ＧＩＧＡ finds giga.
    assert [row["id"] for row in client.get("/api/v1/library/", {"q": "giga"}).json()["results"]] == [
        shelf["school"].pk
    ]
    assert client.get("/api/v1/library/", {"q": "観光"}).json()["count"] == 0


def test_a_withdrawn_entry_is_not_found(api, people, shelf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_entry(actor=people["secretariat"], entry=shelf["drone"])
    assert api(people["niigata"]).get("/api/v1/library/", {"q": "ドローン"}).json()["count"] == 0


def test_similar_suggests_entries_to_staff_and_never_consultations(api, people, shelf):
    response = api(people["niigata"]).get(
        "/api/v1/consultations/similar/",
        {"title": "ドローンで農薬散布", "body": "補助金を使いたい", "policy_area": "smart-agri"},
    )
    assert response.status_code == 200
    items = response.json()
    assert items and items[0] == {"kind": "library", "id": shelf["drone"].pk, "title": shelf["drone"].title,
                                  "score": items[0]["score"]}  # fmt: skip
    assert all(item["kind"] == "library" for item in items) and len(items) <= 5
    assert api(people["niigata"]).get("/api/v1/consultations/similar/").json() == []


def test_similar_consultations_are_only_visible_ones(api, people, resolved, shelf):
    answered = resolved(title="ドローンで農薬散布をしたい")  # 関東農政局's
    query = {"title": "ドローンで農薬散布", "body": "スマート農業"}
    for who, sees in (("maff", True), ("secretariat", True), ("meti", False), ("digital", False)):
        items = api(people[who]).get("/api/v1/consultations/similar/", query).json()
        consultations = {item["id"] for item in items if item["kind"] == "consultation"}
        assert (answered.pk in consultations) is sees, who
    for staff in ("matsumoto", "niigata"):
        items = api(people[staff]).get("/api/v1/consultations/similar/", query).json()
        assert not [item for item in items if item["kind"] == "consultation"], staff


def test_similar_answered_consultations_exclude_the_one_itself(people, resolved, shelf):
    twin = resolved(title="スマート農業の導入についての相談")
    found = similarity.grouped(people["maff"], title=twin.title, body=twin.body, exclude=twin.pk)
    ids = [item.id for item in found["consultations"]]
    assert twin.pk not in ids and shelf["consultation"].pk in ids
    assert found["entries"][0].id == shelf["drone"].pk


def test_similar_reads_only_the_public_text_never_internal_notes(
    api, people, file, shelf, django_capture_on_commit_callbacks
):
    """A former office still sees the consultation but not notes written after it left: a word
    only in such a note (or in any internal note) never makes the consultation similar."""
    with django_capture_on_commit_callbacks(execute=True):
        moved = file(people["matsumoto"], title="庁舎の照明の更新", body="照明の入れ替えについて")
    consult_services.transfer(actor=people["maff"], consultation=moved, office="maff-hq", reason="本省案件")
    with django_capture_on_commit_callbacks(execute=True):
        consult_services.post_message(actor=people["maff_hq"], consultation=moved, body="秘匿語カラスミ", internal=True)
        consult_services.transition(actor=people["maff_hq"], consultation=moved, action="accept")
        consult_services.transition(actor=people["maff_hq"], consultation=moved, action="resolve", comment="回答")
    for who in ("maff", "maff_hq", "secretariat"):
        items = api(people[who]).get("/api/v1/consultations/similar/", {"body": "秘匿語カラスミ"}).json()
        assert moved.pk not in {item["id"] for item in items if item["kind"] == "consultation"}, who
    # The public text is what is compared: its title finds it for those who see it.
    items = api(people["maff"]).get("/api/v1/consultations/similar/", {"body": "庁舎の照明の入れ替え"}).json()
    assert moved.pk in {item["id"] for item in items if item["kind"] == "consultation"}


def test_terms_common_to_most_documents_are_left_out_of_a_draft(monkeypatch, people, shelf):
    from django.core.cache import cache

    monkeypatch.setattr(similarity, "COMMON_MIN_DOCUMENTS", 1)
    monkeypatch.setattr(similarity, "COMMON_SHARE", 0.6)
    common = similarity.refresh_common_terms()
    # Both entries and the consultation's text have 補助; ドローン is in one entry only.
    assert "補助" in common and "どろーん" not in common
    assert cache.get(similarity.COMMON_TERMS_KEY) == sorted(common)
    terms = similarity.draft_terms("ドローンの補助", "")
    assert "補助" not in terms and "どろーん" in terms


def test_publishing_while_the_broker_is_away_still_indexes(
    people, resolved, monkeypatch, django_capture_on_commit_callbacks
):
    from library import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("broker away")

    monkeypatch.setattr(tasks.index_entry, "delay", refuse)
    entry = services.propose_entry(
        actor=people["maff"], consultation=resolved(), title="ドローン", question="q", answer="a"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_entry(actor=people["secretariat"], entry=entry)
    assert "どろーん" in Entry.objects.get(pk=entry.pk).search_vector
