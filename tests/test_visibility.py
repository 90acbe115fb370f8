"""The visibility matrix: each role × consultations of own / other local
government, own / other office, collaborator, transferred away × every endpoint.
Outside visibility everything answers 404 and lists never include it."""

import pytest

from consult import services
from consult.services import Upload

pytestmark = pytest.mark.django_db
LIST = "/api/v1/consultations/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

VISIBLE = {
    "matsumoto": {"A", "C"},  # filer of A and C
    "niigata": {"B", "D"},  # filer of B and D
    "shizuoka": {"B"},  # co-filer of B
    "maff": {"A", "C"},  # holds A; held C before the transfer
    "meti": {"B"},  # holds B
    "digital": {"D"},  # collaborator on D
    "maff_hq": {"C"},  # received C by transfer
    "maff_lead": {"A", "C"},
    "secretariat": {"A", "B", "C", "D"},
}


@pytest.fixture
def world(people, file):
    a = file(people["matsumoto"], attachments=[Upload("a.pdf", PDF)])
    b = file(people["niigata"], policy_area="sme-dx", co_filers=["221007"], attachments=[Upload("b.pdf", PDF)])
    c = file(people["matsumoto"], attachments=[Upload("c.pdf", PDF)])
    d = file(people["niigata"], attachments=[Upload("d.pdf", PDF)])
    services.transfer(actor=people["maff"], consultation=c, office="maff-hq", reason="本省案件")
    services.invite_collaborator(actor=people["secretariat"], consultation=d, office="digital-hq")
    assert b.primary_office.slug == "meti-rbe-kanto" and d.primary_office.slug == "maff-rab-hokuriku"
    return {"A": a, "B": b, "C": c, "D": d}


def _endpoints(consultation):
    attachment = consultation.attachments.get()
    base = f"{LIST}{consultation.pk}/"
    return [
        ("get", base, None),
        ("get", f"{base}events/", None),
        ("get", f"{base}attachments/{attachment.pk}/", None),
        ("post", f"{base}messages/", {"body": "x"}),
        ("post", f"{base}accept/", {}),
        ("post", f"{base}withdraw/", {}),
        ("post", f"{base}transfer/", {"office": "digital-hq", "reason": "x"}),
        ("post", f"{base}collaborators/", {"office": "mic-hq"}),
        ("post", f"{base}rate/", {"rating": 4}),
    ]


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_lists_show_exactly_what_the_role_may_see(api, people, world, who):
    body = api(people[who]).get(LIST, {"page_size": 100}).json()
    seen = {name for name, c in world.items() if c.pk in {row["id"] for row in body["results"]}}
    assert seen == VISIBLE[who]
    assert body["count"] == len(VISIBLE[who])


@pytest.mark.parametrize("who", sorted(VISIBLE))
@pytest.mark.parametrize("name", ["A", "B", "C", "D"])
def test_every_endpoint_is_404_outside_visibility(api, people, world, who, name):
    client = api(people[who])
    for method, url, data in _endpoints(world[name]):
        response = getattr(client, method)(url, data, format="json") if data is not None else client.get(url)
        if name in VISIBLE[who]:
            assert response.status_code != 404, (method, url)
        else:
            assert response.status_code == 404, (method, url, response.status_code)


def test_anonymous_callers_get_401_everywhere(api, world):
    client = api()
    for method, url, data in _endpoints(world["A"]):
        response = getattr(client, method)(url, data, format="json") if data is not None else client.get(url)
        assert response.status_code == 401, url
    assert client.get(LIST).status_code == 401


def test_internal_attachments_are_hidden_from_staff(api, people, world):
    a = world["A"]
    result = services.post_message(
        actor=people["maff"], consultation=a, body="内部資料", internal=True, attachments=[Upload("memo.pdf", PDF)]
    )
    attachment = result.message.attachments.get()
    url = f"{LIST}{a.pk}/attachments/{attachment.pk}/"
    assert api(people["matsumoto"]).get(url).status_code == 404
    assert api(people["maff"]).get(url).status_code == 200
    detail = api(people["matsumoto"]).get(f"{LIST}{a.pk}/").json()
    assert "memo.pdf" not in [att["name"] for att in detail["attachments"]]


def test_a_former_office_does_not_see_internal_attachments_added_after_the_transfer(api, people, world):
    c = world["C"]
    result = services.post_message(
        actor=people["maff_hq"], consultation=c, body="本省メモ", internal=True, attachments=[Upload("hq.pdf", PDF)]
    )
    url = f"{LIST}{c.pk}/attachments/{result.message.attachments.get().pk}/"
    assert api(people["maff"]).get(url).status_code == 404
    assert api(people["maff_hq"]).get(url).status_code == 200


def test_deactivated_users_see_nothing(api, people, world):
    user = people["matsumoto"]
    user.is_active = False
    user.save()
    assert api(user).get(f"{LIST}{world['A'].pk}/").status_code in (401, 403, 404)


# --- a merged consultation's parties see the kept one ---------------------------------------------

# B (新潟市 with 静岡市 co-filing, held by 関東経済産業局) merged into A by the secretariat: the
# filer side of B sees A too; B's office does not (only the filer side follows the kept one).
MERGED_VISIBLE = {**VISIBLE, "niigata": {"A", "B", "D"}, "shizuoka": {"A", "B"}}


@pytest.fixture
def merged_world(people, world):
    services.merge(actor=people["secretariat"], consultation=world["B"], into=world["A"], reason="同じ質問")
    return world


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_the_parties_of_a_merged_consultation_see_the_kept_one(api, people, merged_world, who):
    client = api(people[who])
    body = client.get(LIST, {"page_size": 100}).json()
    seen = {name for name, c in merged_world.items() if c.pk in {row["id"] for row in body["results"]}}
    assert seen == MERGED_VISIBLE[who]
    assert body["count"] == len(MERGED_VISIBLE[who])
    filtered = client.get(LIST, {"page_size": 100, "status": "open"}).json()  # the filtered list: the same rule
    assert {row["id"] for row in filtered["results"]} <= {merged_world[name].pk for name in MERGED_VISIBLE[who]}
    a = merged_world["A"]
    for url in (f"{LIST}{a.pk}/", f"{LIST}{a.pk}/events/", f"{LIST}{a.pk}/attachments/{a.attachments.get().pk}/"):
        assert (client.get(url).status_code != 404) == ("A" in MERGED_VISIBLE[who]), (who, url)


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_unmerging_takes_the_merge_parties_away_again(api, people, merged_world, who):
    services.unmerge(actor=people["secretariat"], consultation=merged_world["B"])
    body = api(people[who]).get(LIST, {"page_size": 100}).json()
    seen = {name for name, c in merged_world.items() if c.pk in {row["id"] for row in body["results"]}}
    assert seen == VISIBLE[who]
