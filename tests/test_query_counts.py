"""Lists and details never grow queries with their length."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import services
from consult.services import Upload

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def many(people, file):
    consultations = []
    for index in range(12):
        consultation = file(
            people["matsumoto"],
            title=f"相談{index}",
            co_filers=["221007"] if index % 2 else [],
            attachments=[Upload(f"{index}.pdf", PDF)],
        )
        services.invite_collaborator(actor=people["secretariat"], consultation=consultation, office="digital-hq")
        services.post_message(
            actor=people["maff"], consultation=consultation, body="返信", attachments=[Upload("r.pdf", PDF)]
        )
        services.post_message(actor=people["maff"], consultation=consultation, body="メモ", internal=True)
        consultations.append(consultation)
    return consultations


def _warm(client):
    """Reference maps load once per process and revision; warm them first."""
    client.get("/api/v1/consultations/", {"page_size": 1})


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("who", ["matsumoto", "maff", "secretariat", "digital", "shizuoka"])
def test_list_queries_are_the_same_for_page_sizes_1_and_100(api, people, many, who):
    client = api(people[who])
    _warm(client)
    small, small_response = _count(client, "/api/v1/consultations/", {"page_size": 1})
    large, large_response = _count(client, "/api/v1/consultations/", {"page_size": 100})
    assert len(small_response.json()["results"]) == 1
    assert len(large_response.json()["results"]) >= 6
    assert small == large
    assert large <= 4


def test_detail_queries_do_not_grow_with_messages(api, people, many):
    client = api(people["maff"])
    _warm(client)
    first, _ = _count(client, f"/api/v1/consultations/{many[0].pk}/")
    for index in range(10):
        services.post_message(
            actor=people["maff"], consultation=many[0], body=f"追加{index}", attachments=[Upload("x.pdf", PDF)]
        )
    second, response = _count(client, f"/api/v1/consultations/{many[0].pk}/")
    assert len(response.json()["messages"]) == 12
    assert first == second
    assert second <= 5


def test_events_list_queries_are_constant(api, people, many):
    client = api(people["secretariat"])
    _warm(client)
    small, _ = _count(client, f"/api/v1/consultations/{many[0].pk}/events/", {"page_size": 1})
    large, _ = _count(client, f"/api/v1/consultations/{many[0].pk}/events/", {"page_size": 100})
    assert small == large


def test_the_hand_written_list_row_equals_the_serializer(api, people, many, file):
    from django.utils import timezone

    from consult.api.serializers import ConsultationSerializer, consultation_row
    from consult.selectors import page_of, visible_consultations
    from routing.selectors import reference_maps

    triage = file(people["niigata"], policy_area="other", desired_by=datetime.date(2030, 1, 1))
    services.transition(actor=people["maff"], consultation=many[0], action="accept")
    user = people["secretariat"]
    ids = list(visible_consultations(user).order_by("-id").values_list("id", flat=True))
    rows = page_of(user, ids)
    assert triage.pk in ids and len(rows) == len(ids)
    now = timezone.now()
    expected = ConsultationSerializer(rows, many=True, context={"now": now}).data
    actual = [consultation_row(row, reference_maps(), now) for row in rows]
    assert actual == [dict(row) for row in expected]


@pytest.mark.parametrize("who", ["matsumoto", "shizuoka", "maff", "meti", "digital", "secretariat"])
def test_the_hand_written_detail_equals_the_serializer(rf, people, many, who):
    from django.utils import timezone

    from consult.api.serializers import ConsultationDetailSerializer, consultation_detail
    from consult.selectors import access_consultation, conversation, visible_consultations
    from routing.selectors import reference_maps

    # Assigned, paused, transferred away from MAFF (whose notes stop at the transfer), co-filed, collaborated.
    services.transition(actor=people["maff"], consultation=many[1], action="accept")
    services.transition(actor=people["maff"], consultation=many[1], action="request_info", comment="資料を")
    services.transfer(actor=people["secretariat"], consultation=many[3], office="meti-rbe-kanto", reason="所管")
    services.post_message(actor=people["meti"], consultation=many[3], body="経産局のメモ", internal=True)
    user = people[who]
    request = rf.get("/")
    request.user = user
    pks = list(visible_consultations(user).filter(pk__in=[c.pk for c in many[:4]]).values_list("pk", flat=True))
    assert pks
    for pk in pks:
        consultation = access_consultation(user, pk)
        messages, attachments = conversation(user, consultation)
        now = timezone.now()
        context = {"request": request, "now": now, "messages": messages, "attachments": attachments}
        expected = ConsultationDetailSerializer(consultation, context=context).data
        actual = consultation_detail(
            consultation, user=user, messages=messages, attachments=attachments, maps=reference_maps(), now=now
        )
        assert actual == expected
        assert list(actual) == list(expected)
        assert [list(m) for m in actual["messages"]] == [list(m) for m in expected["messages"]]


def _assert_pages_walk(client, expected: list[int]) -> None:
    """Every page size walks the list to exactly ``expected`` (the visibility rule, newest first)."""
    for size in (1, 2, 3, 7, 50):
        seen, page = [], 1
        while True:
            response = client.get("/api/v1/consultations/", {"page_size": size, "page": page})
            assert response.status_code == 200
            body = response.json()
            assert body["count"] == len(expected)
            seen += [row["id"] for row in body["results"]]
            if not body["next"]:
                break
            page += 1
        assert seen == expected, size


def test_a_liaisons_pages_are_the_visible_ids_newest_first(api, people, file):
    from consult.selectors import visible_consultations

    filed = [file(people["matsumoto"], title=f"頁{index}") for index in range(7)]
    # Handled twice (transferred away and back) and collaborating on one it also handles: listed once.
    services.transfer(actor=people["secretariat"], consultation=filed[2], office="maff-hq", reason="所管")
    services.transfer(actor=people["secretariat"], consultation=filed[2], office="maff-rab-kanto", reason="戻し")
    services.transfer(actor=people["secretariat"], consultation=filed[4], office="maff-hq", reason="所管")
    services.invite_collaborator(actor=people["secretariat"], consultation=filed[4], office="maff-rab-kanto")
    user = people["maff"]
    expected = list(visible_consultations(user).order_by("-id").values_list("id", flat=True))
    assert len(expected) == 7
    _assert_pages_walk(api(user), expected)


@pytest.mark.parametrize("who", ["matsumoto", "maff", "secretariat"])
def test_an_empty_list_is_an_empty_page(api, people, who):
    response = api(people[who]).get("/api/v1/consultations/")
    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []


def test_a_staff_members_pages_are_the_visible_ids_newest_first(api, people, file):
    from consult.selectors import visible_consultations

    for index in range(5):
        file(people["matsumoto"], title=f"松本{index}")
        file(people["shizuoka"], title=f"共同{index}", co_filers=["202029"] if index % 2 else [])
    user = people["matsumoto"]
    expected = list(visible_consultations(user).order_by("-id").values_list("id", flat=True))
    assert len(expected) == 7  # five filed, two co-filed
    _assert_pages_walk(api(user), expected)


def _file_through_the_api(client, **fields):
    body = {
        "title": "ドローンの補助について",
        "body": "散布の補助制度を伺います。",
        "policy_area": "smart-agri",
        **fields,
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/consultations/", body, format="json")
    assert response.status_code == 201, response.content
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_filing_takes_a_fixed_number_of_queries_with_one_visibility_check(api, people):
    """Filing is the busiest write: the id, the handling, the two events, the
    reference, the consultation row, one query that re-checks the recipients
    against the visibility rule, the notifications and the alarms."""
    client = api(people["matsumoto"])
    _file_through_the_api(client)  # reference maps and directories load once per process
    alone = _file_through_the_api(client)
    assert len([sql for sql in alone if '"profile"' in sql]) == 1
    assert len(alone) == 8, "\n".join(alone)
    # A co-filer adds its row, not another check.
    shared = _file_through_the_api(client, co_filers=["221007"], urgency="urgent")
    assert len([sql for sql in shared if '"profile"' in sql]) == 1
    assert len(shared) == len(alone) + 1, "\n".join(shared)


@pytest.mark.parametrize("who", ["matsumoto", "shizuoka", "maff", "secretariat"])
def test_merges_change_neither_the_list_queries_nor_the_pages(api, people, file, who):
    from consult.selectors import visible_consultations

    pairs = [
        (file(people["matsumoto"], title=f"松本{i}"), file(people["shizuoka"], title=f"静岡{i}")) for i in range(4)
    ]
    client = api(people[who])
    _warm(client)
    before, _ = _count(client, "/api/v1/consultations/", {"page_size": 100})
    for kept, duplicate in pairs[:3]:
        services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    small, _ = _count(client, "/api/v1/consultations/", {"page_size": 1})
    large, _ = _count(client, "/api/v1/consultations/", {"page_size": 100})
    assert small == large == before
    # The kept ones reached through a merge are walked newest first like the others (listed once each).
    expected = list(visible_consultations(people[who]).order_by("-id").values_list("id", flat=True))
    assert len(expected) == len(set(expected))
    _assert_pages_walk(client, expected)


@pytest.mark.parametrize("who", ["shizuoka", "maff", "secretariat"])
def test_the_hand_written_detail_of_a_merged_one_equals_the_serializer(rf, people, file, who):
    from django.utils import timezone

    from consult.api.serializers import ConsultationDetailSerializer, consultation_detail
    from consult.selectors import access_consultation, conversation
    from routing.selectors import reference_maps

    kept, duplicate = file(people["matsumoto"]), file(people["shizuoka"])
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="共同提出")
    request = rf.get("/")
    request.user = people[who]
    consultation = access_consultation(people[who], duplicate.pk)
    messages, attachments = conversation(people[who], consultation)
    now = timezone.now()
    context = {"request": request, "now": now, "messages": messages, "attachments": attachments}
    expected = ConsultationDetailSerializer(consultation, context=context).data
    actual = consultation_detail(
        consultation, user=people[who], messages=messages, attachments=attachments, maps=reference_maps(), now=now
    )
    assert actual == expected and actual["merged_into"] == {"id": kept.pk, "reference": kept.reference}
