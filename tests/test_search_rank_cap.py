"""Ranking is bounded: only the newest ``RANK_CANDIDATES`` matches of a query are ranked by
ts_rank, older matches follow newest first, the count stays exact, and a reference number
still comes first. Tried with a cap of 2 so that a handful of consultations cross it."""

import pytest

from search import selectors as search_selectors

pytestmark = pytest.mark.django_db

LIST = "/api/v1/consultations/"


@pytest.fixture
def desk(people, file, search_texts):
    """Five matches of 水田, filed oldest first: the oldest has it in its title (the best rank)."""
    titled = file(people["matsumoto"], title="水田の排水対策", body="水田の排水路を改修したい。水田の暗渠。")
    older = file(people["matsumoto"], title="農地の相談", body="水田の管理について。")
    middle = file(people["matsumoto"], title="農機の相談", body="水田で使う農機について。")
    newer_titled = file(people["matsumoto"], title="水田の水管理", body="水田の自動給水栓について。")
    newest = file(people["matsumoto"], title="用水の相談", body="水田への用水について。")
    file(people["matsumoto"], title="道路の補修", body="市道の補修について。")
    search_texts()
    return {"titled": titled, "older": older, "middle": middle, "newer_titled": newer_titled, "newest": newest}


def _search(api, user, q, **params):
    response = api(user).get(LIST, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("who", ["secretariat", "maff", "matsumoto"])
def test_under_the_cap_every_match_is_ranked(api, people, desk, who):
    ids = [row["id"] for row in _search(api, people[who], "水田")["results"]]
    # Both titled ones first (the title weighs most), then the body-only matches.
    assert set(ids[:2]) == {desk["titled"].pk, desk["newer_titled"].pk} and len(ids) == 5


@pytest.mark.parametrize("bound", [{"RANK_CANDIDATES": 2}, {"RANK_WINDOW": 3, "RANK_ALL_UP_TO": 1}])
@pytest.mark.parametrize("who", ["secretariat", "maff", "matsumoto"])
def test_over_the_cap_the_newest_are_ranked_and_the_rest_follow_newest_first(
    api, people, desk, monkeypatch, who, bound
):
    """Either bound: the two newest matches, or the matches among the three newest consultations
    (the newest of the desk does not match: the two again) when the desk promises many more."""
    for name, value in bound.items():
        monkeypatch.setattr(search_selectors, name, value)
    found = _search(api, people[who], "水田")
    ids = [row["id"] for row in found["results"]]
    # The two newest ranked between them (the titled one first), then the older ones by age:
    # the best-ranked oldest one is not lost, only no longer first.
    assert ids == [desk["newer_titled"].pk, desk["newest"].pk, desk["middle"].pk, desk["older"].pk,
                   desk["titled"].pk]  # fmt: skip
    assert found["count"] == 5  # exact: counting ranks nothing
    assert all(row["highlight"] for row in found["results"])
    # Pages agree with the order (no row twice, none lost).
    for size, pages in ((2, 3), (3, 2)):
        paged = [row["id"] for page in range(1, pages + 1) for row in
                 _search(api, people[who], "水田", page_size=size, page=page)["results"]]  # fmt: skip
        assert paged == ids, size


def test_a_reference_number_comes_first_even_past_the_cap(api, people, desk, file, search_texts, monkeypatch):
    monkeypatch.setattr(search_selectors, "RANK_CANDIDATES", 1)
    target = desk["titled"]  # the oldest
    file(people["matsumoto"], title="参照", body=f"{target.reference} と同じ件です。")
    search_texts()
    assert _search(api, people["secretariat"], target.reference)["results"][0]["id"] == target.pk


def test_a_narrow_or_rare_match_set_is_ranked_whole(api, people, desk, monkeypatch):
    """Fewer matches in the window than candidates, and few promised in all: every one ranked
    (a town's staff keep their ranking however old their consultations)."""
    monkeypatch.setattr(search_selectors, "RANK_WINDOW", 3)
    ids = [row["id"] for row in _search(api, people["matsumoto"], "水田")["results"]]
    assert set(ids[:2]) == {desk["titled"].pk, desk["newer_titled"].pk}


def test_an_explicit_ordering_is_kept_with_the_cap(api, people, desk, monkeypatch):
    monkeypatch.setattr(search_selectors, "RANK_CANDIDATES", 2)
    ids = [row["id"] for row in _search(api, people["secretariat"], "水田", ordering="created_at")["results"]]
    assert ids == sorted(ids)


def test_the_ranked_ids_read_whole_equal_their_pages(people, desk, monkeypatch):
    from consult import selectors

    monkeypatch.setattr(search_selectors, "RANK_CANDIDATES", 2)
    ids = selectors.consultation_list(people["secretariat"], selectors.ListFilters(q="水田", ordering=selectors.RANKED))
    assert isinstance(ids, selectors.RankedIds) and ids.count() == 5
    pages = [*ids[0:2], *ids[2:4], *ids[4:6]]
    assert list(ids) == pages == [*ids[0:5]] and ids[1:4] == pages[1:4]
    # Past the end: nothing, not an error.
    assert ids[5:7] == [] and ids[9:12] == []
