"""The reference endpoints of API.md."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import upsert_user
from routing.models import LocalGovernment

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    user, _ = upsert_user(
        email="reader@example.lg.jp",
        display_name="閲覧 者",
        role=Role.STAFF,
        local_government=LocalGovernment.objects.get(code="202029"),
    )
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_policy_areas(api, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = api.get("/api/v1/reference/policy-areas/")
    assert response.status_code == 200
    areas = {area["slug"]: area for area in response.json()}
    assert len(areas) == 30
    assert areas["smart-agri"] == {
        "slug": "smart-agri",
        "name_ja": "スマート農林水産業・食品産業",
        "name_en": "Smart agriculture, forestry, fisheries and food",
        "lead_ministry": "農林水産省",
        "lead_ministries": ["maff"],
        "group": "1 地方に仕事をつくる",
        "default_route": "branch: 農政局",
    }


@pytest.mark.parametrize("q", ["まつもと", "マツモト", "ﾏﾂﾓﾄ", "松本", "松本市", "202029"])
def test_local_governments_are_found_by_name_kana_or_code(api, q):
    response = api.get("/api/v1/reference/local-governments/", {"q": q})
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert "202029" in codes
    matsumoto = next(row for row in response.json()["results"] if row["code"] == "202029")
    assert matsumoto == {
        "code": "202029",
        "name": "松本市",
        "kana": "マツモトシ",
        "prefecture": "長野県",
        "prefecture_code": "20",
        "kind": "city",
    }


def test_local_governments_filter_by_prefecture_and_paginate(api):
    response = api.get("/api/v1/reference/local-governments/", {"prefecture": "20", "page_size": 500})
    body = response.json()
    assert body["count"] == 78  # 長野県 and its 19 cities, 23 towns and 35 villages
    assert {row["prefecture_code"] for row in body["results"]} == {"20"}
    by_name = api.get("/api/v1/reference/local-governments/", {"prefecture": "長野県", "page_size": 1}).json()
    assert by_name["count"] == 78 and len(by_name["results"]) == 1 and by_name["next"]


def test_local_government_list_queries_do_not_grow(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        small = api.get("/api/v1/reference/local-governments/", {"page_size": 5})
    with django_assert_max_num_queries(3):
        large = api.get("/api/v1/reference/local-governments/", {"page_size": 500})
    assert len(small.json()["results"]) == 5 and len(large.json()["results"]) == 500


def test_page_size_is_capped_at_500(api):
    response = api.get("/api/v1/reference/local-governments/", {"page_size": 5000})
    assert len(response.json()["results"]) == 500


def test_offices_by_ministry_with_their_prefectures(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/reference/offices/", {"ministry": "maff", "page_size": 100})
    offices = {office["slug"]: office for office in response.json()["results"]}
    assert {office["ministry"] for office in offices.values()} == {"maff"}
    kanto = offices["maff-rab-kanto"]
    assert kanto["name"] == "関東農政局"
    assert kanto["prefectures"] == ["08", "09", "10", "11", "12", "13", "14", "19", "20", "22"]
    assert offices["maff-rab-okinawa"]["organisation"] == "内閣府 沖縄総合事務局"
    assert offices["maff-hq"]["prefectures"] == []


def test_all_offices_query_count_is_constant(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/reference/offices/", {"page_size": 500})
    assert response.json()["count"] == 142
