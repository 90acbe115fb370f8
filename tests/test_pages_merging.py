"""The consultation page of a merge: the form on the duplicate, the banner on the
merged one, unmerging, and lists whose queries do not change with merges."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import services
from consult.models import Consultation, Event

pytestmark = pytest.mark.django_db
BANNER = "に統合されました"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(c) -> str:
    return reverse("consultation", args=[c.pk])


def action(c, name: str) -> str:
    return reverse("consultation-action", args=[c.pk, name])


def offered(response) -> set[str]:
    return set(re.findall(r'action="/consultations/\d+/actions/([a-z_]+)/"', response.content.decode()))


@pytest.fixture
def pair(people, file):
    kept = file(people["matsumoto"], title="スマート農業の補助（松本市）")
    duplicate = file(people["shizuoka"], title="スマート農業の補助（静岡市）")
    return kept, duplicate


def test_the_liaison_merges_through_the_form(people, pair):
    kept, duplicate = pair
    client = client_for(people["maff"])
    assert "merge" in offered(client.get(page(duplicate)))
    response = client.post(
        action(duplicate, "merge"),
        {"merge-into": f" {kept.reference.lower()} ", "merge-reason": "共同提出"},
        follow=True,
    )
    assert response.redirect_chain == [(page(duplicate), 302)]
    text = response.content.decode()
    assert f"この相談を {kept.reference} に統合しました。" in text
    assert f'この相談は <a href="{page(kept)}">{kept.reference}</a> {BANNER}' in text
    assert offered(response) == {"unmerge"}
    assert Consultation.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    # The kept one's history links to the merged one.
    history = client.get(page(kept)).content.decode()
    assert f'<a href="{page(duplicate)}">{duplicate.reference}</a>' in history
    assert BANNER not in history


def test_the_merge_form_names_what_is_wrong(people, pair, file):
    kept, duplicate = pair
    client = client_for(people["maff"])
    unknown = client.post(action(duplicate, "merge"), {"merge-into": "BNS-1999-000001", "merge-reason": "x"})
    assert unknown.status_code == 400
    assert "受付番号 BNS-1999-000001 の相談は見つかりません" in unknown.content.decode()
    hidden = file(people["niigata"])  # held by 北陸農政局: not visible to 関東, so not found either
    invisible = client.post(action(duplicate, "merge"), {"merge-into": hidden.reference, "merge-reason": "x"})
    assert invisible.status_code == 400 and "見つかりません" in invisible.content.decode()
    itself = client.post(action(duplicate, "merge"), {"merge-into": duplicate.reference, "merge-reason": "x"})
    assert itself.status_code == 400 and "それ自身に統合することはできません" in itself.content.decode()
    no_reason = client.post(action(duplicate, "merge"), {"merge-into": kept.reference, "merge-reason": ""})
    assert no_reason.status_code == 400 and "統合の理由を入力してください" in no_reason.content.decode()
    assert Consultation.objects.get(pk=duplicate.pk).merged_into_id is None


def test_the_banner_and_what_each_party_is_offered(people, pair):
    kept, duplicate = pair
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    for who, expected in (("shizuoka", set()), ("maff", {"unmerge"}), ("secretariat", {"unmerge"})):
        response = client_for(people[who]).get(page(duplicate))
        assert BANNER in response.content.decode() and kept.reference in response.content.decode(), who
        assert offered(response) == expected, who
    # 静岡市 reads the kept one (no actions: it is not a party of it).
    response = client_for(people["shizuoka"]).get(page(kept))
    assert response.status_code == 200 and offered(response) == set()
    assert client_for(people["niigata"]).get(page(kept)).status_code == 404


def test_the_page_offers_what_the_api_lists_on_a_merged_one(api, people, pair):
    kept, duplicate = pair
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    for who in ("shizuoka", "matsumoto", "maff", "secretariat"):
        for c in pair:
            response = api(people[who]).get(f"/api/v1/consultations/{c.pk}/")
            if response.status_code == 404:
                continue
            assert offered(client_for(people[who]).get(page(c))) == set(response.json()["allowed_actions"]), (who, c)


def test_a_merged_one_refuses_work_naming_the_kept_one(people, pair):
    kept, duplicate = pair
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    response = client_for(people["maff"]).post(action(duplicate, "reply"), {"reply-body": "回答します"})
    assert response.status_code == 409
    assert kept.reference in response.content.decode()
    assert not duplicate.messages.exists()


def test_unmerge_through_the_form(people, pair):
    kept, duplicate = pair
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    assert client_for(people["shizuoka"]).post(action(duplicate, "unmerge"), {}).status_code == 403
    response = client_for(people["maff"]).post(action(duplicate, "unmerge"), {"unmerge-reason": "別件"}, follow=True)
    assert response.redirect_chain == [(page(duplicate), 302)]
    assert "統合を解除しました。" in response.content.decode()
    assert BANNER not in response.content.decode() and "accept" in offered(response)
    assert Event.objects.get(consultation=kept, kind="released").reason == "別件"
    assert client_for(people["shizuoka"]).get(page(kept)).status_code == 404


def test_lists_mark_a_merged_consultation(people, pair):
    kept, duplicate = pair
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    for who, path in (("shizuoka", "/"), ("maff", "/queue/")):
        text = client_for(people[who]).get(path).content.decode()
        rows = re.findall(r"<tr[ >].*?</tr>", text, flags=re.S)
        marked = [row for row in rows if "統合済み" in row]
        assert len(marked) == 1 and duplicate.reference in marked[0], who
        assert f'value="{duplicate.pk}"' not in marked[0]  # not offered for bulk accept


def _queries(client, path: str) -> int:
    client.get(path)  # warm the per-process reference caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("who", "path"), [("shizuoka", "/"), ("maff", "/queue/"), ("secretariat", "/")])
def test_list_pages_take_the_same_queries_with_merged_consultations(people, file, who, path):
    client = client_for(people[who])
    pairs = [
        (file(people["matsumoto"], title=f"松本{i}"), file(people["shizuoka"], title=f"静岡{i}")) for i in range(3)
    ]
    before = _queries(client, path)
    for kept, duplicate in pairs:
        services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    assert _queries(client, path) == before
