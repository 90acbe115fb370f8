"""Saved and shared views of the liaison queue: services, who sees which, their counts
(equal to the API list's), the navigation's query count, the API and the page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consult import services
from frontend import saved_views
from frontend.models import SavedView
from routing.models import Office

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
LIST = "/api/v1/consultations/"
VIEWS = "/api/v1/saved-views/"
KANTO = "maff-rab-kanto"
ACTIVE = "open,in_progress,awaiting_filer"


def jst(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


def office_id(slug: str) -> int:
    return Office.objects.get(slug=slug).pk


@pytest.fixture
def desk(people, file, search_texts):
    """Consultations of 関東農政局 in several states, one of another office."""
    maff = people["maff"]
    made = {
        "open": file(people["matsumoto"], title="ドローンの相談"),
        "overdue": file(people["matsumoto"], title="古い相談", now=jst(2025, 4, 1, 10, 0)),
        "accepted": file(people["matsumoto"], title="受け付けた相談"),
        "resolved": file(people["matsumoto"], title="解決した相談"),
        "other_area": file(people["matsumoto"], policy_area="other", title="分野の違う相談"),
        "elsewhere": file(people["niigata"], policy_area="sme-dx", title="キャッシュレス"),
    }
    services.transition(actor=maff, consultation=made["accepted"], action="accept")
    services.transition(actor=maff, consultation=made["resolved"], action="resolve", comment="回答")
    services.transfer(actor=people["secretariat"], consultation=made["other_area"], office=KANTO, reason="振り分け")
    search_texts()
    return made


# Queue parameters of a view, and the same list asked of the API by a liaison of 関東農政局 only.
SAME_LISTS = [
    ({}, {"office": KANTO, "status": ACTIVE}),
    ({"status": "all"}, {"office": KANTO}),
    ({"status": "resolved", "sort": "-created"}, {"office": KANTO, "status": "resolved", "ordering": "-created_at"}),
    ({"overdue": "on"}, {"office": KANTO, "status": ACTIVE, "overdue": "true"}),
    ({"status": "all", "policy_area": "other"}, {"office": KANTO, "policy_area": "other"}),
    ({"status": "all", "q": "相談"}, {"office": KANTO, "q": "相談"}),
    ({"status": "in_progress", "sort": "resolution"}, {"office": KANTO, "status": "in_progress"}),
]


# --- services ------------------------------------------------------------------------------------


def test_saving_keeps_the_validated_queue_parameters(people):
    view = saved_views.save_view(
        actor=people["maff"],
        name="  期限超過  ",
        params={"overdue": "on", "status": "all", "q": " 農薬 ", "page": "3", "sort": ""},
    )
    assert view.name == "期限超過"
    assert view.params == {"overdue": "on", "status": "all", "q": "農薬"}  # page and empty values left out
    assert view.office_id is None
    assert saved_views.url_of(view).startswith("/queue/?")


def test_saving_refuses_what_the_queue_form_refuses(people):
    with pytest.raises(ValidationError) as refused:
        saved_views.save_view(actor=people["maff"], name="", params={"status": "sleeping", "colour": "red"})
    errors = refused.value.message_dict
    assert "name" in errors and "params" in errors and "colour" in errors["params"][0]
    with pytest.raises(ValidationError) as refused:
        saved_views.save_view(actor=people["maff"], name="x", params={"status": "sleeping"})
    assert "params.status" in refused.value.message_dict
    # An office the liaison is not in can neither be filtered on nor shared with.
    with pytest.raises(ValidationError) as refused:
        saved_views.save_view(actor=people["maff"], name="x", params={}, office_id=office_id("meti-rbe-kanto"))
    assert "office" in refused.value.message_dict
    assert not SavedView.objects.exists()


def test_only_liaisons_save_views(people):
    for who in ("matsumoto", "secretariat"):
        with pytest.raises(PermissionDenied):
            saved_views.save_view(actor=people[who], name="x", params={})


def test_a_person_keeps_a_bounded_number_of_views(people, monkeypatch):
    monkeypatch.setattr(saved_views, "MAX_VIEWS_PER_PERSON", 2)
    for number in range(2):
        saved_views.save_view(actor=people["maff"], name=f"v{number}", params={})
    with pytest.raises(ValidationError) as refused:
        saved_views.save_view(actor=people["maff"], name="v3", params={})
    assert "name" in refused.value.message_dict


def test_creator_and_office_lead_edit_a_shared_view_other_members_do_not(people):
    from accounts.services import upsert_user

    colleague, _ = upsert_user(
        email="colleague@kanto.maff.example.go.jp",
        display_name="関東 同僚",
        role="liaison",
        offices=[Office.objects.get(slug=KANTO)],
    )
    view = saved_views.save_view(actor=people["maff"], name="共有", params={}, office_id=office_id(KANTO))
    assert saved_views.may_edit(people["maff_lead"], view)
    renamed = saved_views.update_view(actor=people["maff_lead"], view=view, name="部局の共有", params={"status": "all"})
    assert (renamed.name, renamed.params) == ("部局の共有", {"status": "all"})
    # Only the creator changes with whom it is shared.
    with pytest.raises(ValidationError):
        saved_views.update_view(actor=people["maff_lead"], view=view, office_id=None)
    with pytest.raises(PermissionDenied):
        saved_views.update_view(actor=colleague, view=view, name="乗っ取り")
    with pytest.raises(PermissionDenied):
        saved_views.delete_view(actor=colleague, view=view)
    private = saved_views.update_view(actor=people["maff"], view=view, office_id=None)
    assert private.office_id is None
    saved_views.delete_view(actor=people["maff"], view=view)
    assert not SavedView.objects.exists()


def test_who_sees_which_view(people):
    private = saved_views.save_view(actor=people["maff"], name="自分用", params={})
    shared = saved_views.save_view(actor=people["maff"], name="部局用", params={}, office_id=office_id(KANTO))
    assert set(saved_views.visible_views(people["maff"])) == {private, shared}
    assert set(saved_views.visible_views(people["maff_lead"])) == {shared}  # same office: the shared one only
    for outsider in ("meti", "maff_hq", "matsumoto", "secretariat"):
        assert not saved_views.visible_views(people[outsider]).exists()
        with pytest.raises(Http404):
            saved_views.access_view(people[outsider], shared.pk)
    with pytest.raises(Http404):
        saved_views.access_view(people["maff_lead"], private.pk)


# --- counts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "api_params"), SAME_LISTS)
def test_a_views_count_equals_the_api_count_of_the_same_list(api, people, desk, params, api_params):
    view = saved_views.save_view(actor=people["maff"], name="v", params=params)
    response = api(people["maff"]).get(VIEWS)
    [listed] = response.json()["results"]
    api_count = api(people["maff"]).get(LIST, api_params).json()["count"]
    assert listed["count"] == api_count
    assert saved_views.counts(people["maff"], [view]) == [api_count]


def test_every_views_count_in_one_list_equals_the_api(api, people, desk):
    for number, (params, _api_params) in enumerate(SAME_LISTS):
        saved_views.save_view(actor=people["maff"], name=f"{number:02d}", params=params, office_id=office_id(KANTO))
    client = api(people["maff"])
    counts = [view["count"] for view in client.get(VIEWS).json()["results"]]
    expected = [client.get(LIST, api_params).json()["count"] for _params, api_params in SAME_LISTS]
    assert counts == expected
    assert len(set(counts)) >= 3  # the lists differ
    # A shared view counts for the member looking at it: the lead of the same office sees the same lists.
    lead = api(people["maff_lead"])
    assert [view["count"] for view in lead.get(VIEWS).json()["results"]] == expected


def test_a_shared_view_counts_what_the_viewer_may_see(people, desk):
    view = saved_views.save_view(actor=people["maff"], name="v", params={"status": "all"}, office_id=office_id(KANTO))
    # The lead's own office filter falls back to their offices, as the queue does.
    assert saved_views.counts(people["maff_lead"], [view]) == saved_views.counts(people["maff"], [view])
    assert saved_views.counts(people["maff"], [view]) == [5]


def _queries(client, url) -> int:
    client.get(url)  # warm the reference maps
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _save_many(people, count):
    for number in range(count):
        params = SAME_LISTS[number % len(SAME_LISTS)][0]
        saved_views.save_view(actor=people["maff"], name=f"v{number:02d}", params=params)


def test_the_api_counts_1_or_10_views_in_the_same_queries(api, people, desk):
    client = api(people["maff"])
    _save_many(people, 1)
    one = _queries(client, VIEWS)
    SavedView.objects.all().delete()
    _save_many(people, 10)
    assert len(client.get(VIEWS).json()["results"]) == 10
    assert _queries(client, VIEWS) == one


def test_the_queue_navigation_counts_1_or_10_views_in_the_same_queries(client_of, people, desk):
    client = client_of(people["maff"])
    _save_many(people, 1)
    one = _queries(client, "/queue/")
    SavedView.objects.all().delete()
    _save_many(people, 10)
    response = client.get("/queue/")
    assert len(response.context["saved_views"]) == 10
    assert _queries(client, "/queue/") == one


# --- API -----------------------------------------------------------------------------------------


def test_api_create_patch_delete(api, people, desk):
    client = api(people["maff"])
    created = client.post(VIEWS, {"name": "期限超過", "params": {"overdue": "on"}, "office": KANTO}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["shared"] is True and body["office"] == KANTO and body["editable"] is True
    assert body["count"] == client.get(LIST, {"office": KANTO, "status": ACTIVE, "overdue": "true"}).json()["count"]
    assert body["url"] == "/queue/?overdue=on"
    path = f"{VIEWS}{body['id']}/"
    patched = client.patch(path, {"params": {"status": "all"}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["name"] == "期限超過" and patched.json()["count"] == 5
    lead = api(people["maff_lead"])
    assert lead.get(path).json()["editable"] is True
    assert lead.patch(path, {"name": "責任者が変更"}, format="json").status_code == 200
    assert api(people["meti"]).get(path).status_code == 404
    assert api(people["meti"]).delete(path).status_code == 404
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_api_takes_json_booleans_as_the_checkboxes(api, people):
    client = api(people["maff"])
    created = client.post(VIEWS, {"name": "x", "params": {"overdue": True, "unassigned": False}}, format="json")
    assert created.status_code == 201 and created.json()["params"] == {"overdue": "on"}
    nested = client.post(VIEWS, {"name": "x", "params": {"q": ["a", "b"]}}, format="json")
    assert nested.status_code == 400 and "params.q" in nested.json()["errors"]


def test_api_errors_name_the_field(api, people):
    client = api(people["maff"])
    bad = client.post(VIEWS, {"name": "x", "params": {"status": "sleeping"}}, format="json")
    assert bad.status_code == 400 and "params.status" in bad.json()["errors"]
    bad = client.post(VIEWS, {"name": "x", "office": "nowhere"}, format="json")
    assert bad.status_code == 400 and "office" in bad.json()["errors"]
    assert api(people["matsumoto"]).post(VIEWS, {"name": "x"}, format="json").status_code == 403
    assert api(people["matsumoto"]).get(VIEWS).json() == {"results": []}
    assert api().get(VIEWS).status_code in (401, 403)


def test_a_private_view_is_not_found_by_a_colleague(api, people):
    view = saved_views.save_view(actor=people["maff"], name="自分用", params={})
    lead = api(people["maff_lead"])
    assert lead.get(f"{VIEWS}{view.pk}/").status_code == 404
    assert lead.patch(f"{VIEWS}{view.pk}/", {"name": "x"}, format="json").status_code == 404
    assert lead.get(VIEWS).json() == {"results": []}


# --- the page ------------------------------------------------------------------------------------


def test_saving_from_the_queue_and_opening_from_the_navigation(client_of, people, desk):
    client = client_of(people["maff"])
    response = client.post(
        "/queue/views/", {"name": "期限超過のもの", "share": str(office_id(KANTO)), "query": "overdue=on&page=2"}
    )
    assert response.status_code == 302 and response["Location"] == "/queue/?overdue=on"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "ビュー「期限超過のもの」を保存しました。" in html
    [view] = page.context["saved_views"]
    assert view.current and view.count == len(page.context["rows"]) == 1
    assert 'href="/queue/?overdue=on"' in html and 'aria-current="page"' in html
    # The colleague of the same office sees it in their navigation, with their count.
    lead_page = client_of(people["maff_lead"]).get("/queue/")
    assert [v.name for v in lead_page.context["saved_views"]] == ["期限超過のもの"]
    assert not lead_page.context["saved_views"][0].current


def test_a_refused_save_is_reported_on_the_form(client_of, people):
    client = client_of(people["maff"])
    response = client.post("/queue/views/", {"name": "", "query": "status=all"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/queue/?status=all"
    assert "ビューを保存できませんでした" in html and "ビューの名前を入力してください" in html
    assert '<details class="saved-views__save" open>' in html
    assert not SavedView.objects.exists()


def test_deleting_from_the_page_only_for_who_may(client_of, people):
    view = saved_views.save_view(actor=people["maff"], name="部局用", params={}, office_id=office_id(KANTO))
    assert client_of(people["meti"]).post(f"/queue/views/{view.pk}/delete/").status_code == 404
    response = client_of(people["maff"]).post(f"/queue/views/{view.pk}/delete/", {"query": "status=all"})
    assert response.status_code == 302 and response["Location"] == "/queue/?status=all"
    assert not SavedView.objects.exists()


def test_counts_are_remembered_as_the_api_remembers_its_own(people, desk, settings):
    settings.BANSO_LIST_COUNT_CACHE_SECONDS = 30
    views = [
        saved_views.save_view(actor=people["maff"], name=f"v{n}", params=p) for n, (p, _a) in enumerate(SAME_LISTS)
    ]
    now = timezone.now()  # "overdue" is counted at an instant: the same one here
    first = saved_views.counts(people["maff"], views, now=now)
    with CaptureQueriesContext(connection) as queries:
        again = saved_views.counts(people["maff"], views, now=now)
    assert again == first
    assert not [q for q in queries.captured_queries if "COUNT(*)" in q["sql"]]  # the office lookup only
    # A new view's list is counted alone; the others come from the cache.
    extra = saved_views.save_view(actor=people["maff"], name="extra", params={"unassigned": "on"})
    with CaptureQueriesContext(connection) as queries:
        saved_views.counts(people["maff"], [*views, extra], now=now)
    [counting] = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert counting.count("COUNT(*)") == 1
