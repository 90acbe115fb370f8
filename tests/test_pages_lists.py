"""The list pages: staff home, liaison queue, secretariat triage (Django client)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import services
from consult.models import Consultation

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


def signed_in(client, user):
    client.force_login(user)
    return client


def row_ids(response) -> list[int]:
    return [row.id for row in response.context["rows"]]


def table_row(html: str, reference: str) -> str:
    """The <tr> of the queue table that shows ``reference``."""
    for row in re.findall(r"<tr class=\"queue-row.*?</tr>", html, flags=re.S):
        if reference in row:
            return row
    raise AssertionError(f"{reference} is not in the table")


# --- home ------------------------------------------------------------------------------------


def test_signed_out_home_is_a_landing_with_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "伴走型支援のワンストップ相談窓口" in html
    assert 'href="/accounts/login/"' in html and "ログインする" in html


def test_staff_home_lists_own_consultations_waiting_ones_first(client, people, file):
    maff = people["maff"]
    open_one = file(people["matsumoto"], title="受付待ちの相談")
    waiting = file(people["matsumoto"], title="追加情報を求められた相談")
    services.transition(actor=maff, consultation=waiting, action="request_info", comment="面積を教えてください")
    done = file(people["matsumoto"], title="回答済みの相談")
    services.transition(actor=maff, consultation=done, action="accept")
    services.transition(actor=maff, consultation=done, action="resolve", comment="回答します")
    co_filed = file(people["shizuoka"], title="静岡と松本の共同相談", co_filers=["202029"])
    other = file(people["niigata"], title="新潟市の相談")

    response = signed_in(client, people["matsumoto"]).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for consultation in (open_one, waiting, done, co_filed):
        assert consultation.title in html
        assert f'href="/consultations/{consultation.pk}/"' in html
    assert other.title not in html and other.reference not in html
    # What waits for the filer comes first, under its own heading, announced by a banner.
    assert html.index("回答をお待たせしている相談") < html.index(waiting.title) < html.index(open_one.title)
    assert html.index(open_one.title) < html.index(done.title)
    assert "回答をお願いします" in html and "notification-banner--important" in html
    assert 'href="/consultations/new/"' in html and "新しい相談" in html
    # Status in words, and the office answering.
    assert "回答待ち（相談者）" in html and "関東農政局" in html


def test_staff_home_without_waiting_has_no_banner_and_finished_ones_page(client, people, file):
    for number in range(12):
        consultation = file(people["niigata"], policy_area="sme-dx", title=f"完了{number:02d}")
        services.transition(actor=people["secretariat"], consultation=consultation, action="withdraw")
    client = signed_in(client, people["niigata"])
    html = client.get("/").content.decode()
    assert "回答をお願いします" not in html
    shown = re.findall(r"完了\d\d", html)
    assert len(shown) == 10  # the recent ones
    assert 'href="?finished=2"' in html
    second = client.get("/?finished=2").content.decode()
    assert len(re.findall(r"完了\d\d", second)) == 2


def test_liaison_home_goes_to_the_queue(client, people):
    response = signed_in(client, people["maff"]).get("/")
    assert response.status_code == 302 and response["Location"] == "/queue/"


def test_secretariat_home_links_to_triage_with_its_count(client, people, file):
    file(people["niigata"], policy_area="other", title="どこに相談すべきか")
    file(people["matsumoto"], title="ふつうの相談")
    html = signed_in(client, people["secretariat"]).get("/").content.decode()
    assert 'href="/triage/"' in html
    assert re.search(r"振り分け待ちの相談</h2>\s*<p class=\"triage-callout__count\">\s*1件", html)
    assert "ふつうの相談" in html and "どこに相談すべきか" in html


# --- queue -----------------------------------------------------------------------------------


def test_queue_is_for_liaisons_only(client, people):
    for who in ("matsumoto", "secretariat"):
        client = signed_in(client, people[who])
        assert client.get("/queue/").status_code == 404
        assert client.post("/queue/accept/", {"consultation": ["1"]}).status_code == 404
    client.logout()
    assert client.get("/queue/").status_code == 302  # to sign in


def test_queue_shows_only_the_offices_consultations(client, people, file):
    agri = file(people["matsumoto"], title="松本市のスマート農業")  # 関東農政局
    sme = file(people["matsumoto"], policy_area="sme-dx", title="松本市のキャッシュレス")  # 関東経済産業局
    northern = file(people["niigata"], title="新潟市のスマート農業")  # 北陸農政局
    response = signed_in(client, people["maff"]).get("/queue/")
    assert response.status_code == 200
    assert row_ids(response) == [agri.pk]
    html = response.content.decode()
    assert sme.title not in html and northern.title not in html
    assert row_ids(signed_in(client, people["meti"]).get("/queue/")) == [sme.pk]


def test_queue_default_order_puts_overdue_first_and_marks_unassigned(client, people, file):
    recent = file(people["matsumoto"], title="最近の相談")
    overdue = file(people["matsumoto"], title="期限を過ぎた相談", now=jst(2025, 4, 1, 10, 0))
    taken = file(people["matsumoto"], title="受付済みの相談", now=jst(2025, 4, 2, 10, 0))
    services.transition(actor=people["maff_lead"], consultation=taken, action="accept", now=jst(2025, 4, 2, 11, 0))
    taken.refresh_from_db()
    response = signed_in(client, people["maff"]).get("/queue/")
    # Overdue (both running late, the earlier first-response deadline first), then the rest.
    assert row_ids(response) == [overdue.pk, taken.pk, recent.pk]
    html = response.content.decode()
    overdue_row = table_row(html, overdue.reference)
    assert "未割当" in overdue_row and "queue-row--unassigned" in overdue_row
    assert "期限超過" in overdue_row  # in words, not only colour
    taken_row = table_row(html, taken.reference)
    assert "queue-row--unassigned" not in taken_row and "関東 稔" in taken_row
    assert "未割当" in table_row(html, recent.reference)
    # What the office holds and still works on gets a checkbox (bulk actions), accepted ones too.
    assert f'value="{overdue.pk}"' in overdue_row and f'value="{taken.pk}"' in taken_row
    assert 'data-select-all="consultation"' in html
    assert re.search(r'aria-sort="ascending">\s*<a href="/queue/\?sort=due">初回回答期限', html)


def test_queue_sort_orders(client, people, file, search_texts):
    first = file(people["matsumoto"], title="一番目", now=jst(2026, 10, 1, 10, 0))
    second = file(people["matsumoto"], title="二番目", now=jst(2026, 10, 2, 10, 0))
    third = file(people["matsumoto"], title="三番目")
    client = signed_in(client, people["maff"])
    newest = client.get("/queue/", {"sort": "-created"})
    assert row_ids(newest) == [third.pk, second.pk, first.pk]
    html = newest.content.decode()
    assert re.search(r'aria-sort="descending">\s*<a href="/queue/\?sort=created">受付日', html)
    assert row_ids(client.get("/queue/", {"sort": "created"})) == [first.pk, second.pk, third.pk]
    assert row_ids(client.get("/queue/", {"sort": "resolution"})) == [first.pk, second.pk, third.pk]
    # Sort links keep the filters.
    search_texts()
    filtered = client.get("/queue/", {"q": "番目", "sort": "created"}).content.decode()
    assert 'href="/queue/?q=%E7%95%AA%E7%9B%AE&amp;sort=-created"' in filtered
    # A hand-edited sort falls back to the default.
    assert client.get("/queue/", {"sort": "nonsense"}).status_code == 200


def test_queue_filters(client, people, file, search_texts):
    maff = people["maff"]
    open_one = file(people["matsumoto"], title="ドローンの相談")
    overdue = file(people["matsumoto"], title="古い相談", now=jst(2025, 4, 1, 10, 0))
    accepted = file(people["matsumoto"], title="受け付けた相談")
    services.transition(actor=maff, consultation=accepted, action="accept")
    resolved = file(people["matsumoto"], title="解決した相談")
    services.transition(actor=maff, consultation=resolved, action="resolve", comment="回答")
    other_area = file(people["matsumoto"], policy_area="other", title="分野の違う相談")
    services.transfer(actor=people["secretariat"], consultation=other_area, office="maff-rab-kanto", reason="振り分け")
    client = signed_in(client, maff)

    def ids(**params):
        response = client.get("/queue/", params)
        assert response.status_code == 200
        return set(row_ids(response))

    active = {open_one.pk, overdue.pk, accepted.pk, other_area.pk}
    assert ids() == active  # active by default
    assert ids(status="all") == active | {resolved.pk}
    assert ids(status="resolved") == {resolved.pk}
    assert ids(status="in_progress") == {accepted.pk}
    assert ids(overdue="on") == {overdue.pk}
    assert ids(unassigned="on") == {open_one.pk, overdue.pk, other_area.pk}
    search_texts()
    assert ids(q="古いの") == {overdue.pk}  # a word of the title (the particle is none)
    assert ids(q="分野 相談") == {other_area.pk}  # every word
    assert ids(q="農薬散布") == active  # the body too, as on the API (consult.text_search.matching)
    assert ids(q=accepted.reference) == {accepted.pk}
    assert ids(policy_area="other") == {other_area.pk}
    assert ids(policy_area="smart-agri", unassigned="on", overdue="on") == {overdue.pk}
    # The filter form shows what was chosen.
    html = client.get("/queue/", {"status": "resolved", "q": "解決"}).content.decode()
    assert '<option value="resolved" selected>' in html and 'value="解決"' in html


def test_queue_collaborating_is_a_separate_choice(client, people, file):
    consultation = file(people["matsumoto"], title="協力をお願いする相談")
    services.invite_collaborator(actor=people["maff"], consultation=consultation, office="digital-hq")
    client = signed_in(client, people["digital"])
    assert row_ids(client.get("/queue/")) == []
    response = client.get("/queue/", {"scope": "collaborating"})
    assert row_ids(response) == [consultation.pk]
    html = response.content.decode()
    assert 'name="consultation"' not in html  # the holding office accepts, not a collaborator
    assert "関東農政局" in html  # which office holds it


def test_queue_office_filter_when_a_liaison_has_several_offices(client, people, file):
    from accounts.models import OfficeMembership
    from routing.models import Office

    maff = people["maff"]
    OfficeMembership.objects.create(user=maff, office=Office.objects.get(slug="maff-rab-hokuriku"))
    kanto = file(people["matsumoto"], title="関東の相談")
    hokuriku = file(people["niigata"], title="北陸の相談")
    client = signed_in(client, maff)
    response = client.get("/queue/")
    assert set(row_ids(response)) == {kanto.pk, hokuriku.pk}
    assert 'name="office"' in response.content.decode()
    hokuriku_id = Office.objects.get(slug="maff-rab-hokuriku").pk
    assert row_ids(client.get("/queue/", {"office": hokuriku_id})) == [hokuriku.pk]
    # An office that is not theirs widens nothing.
    other = Office.objects.get(slug="meti-rbe-kanto").pk
    assert set(row_ids(client.get("/queue/", {"office": other}))) == {kanto.pk, hokuriku.pk}


def test_queue_in_english_uses_english_names(client, people, file, settings):
    file(people["matsumoto"], title="英語で見る相談")
    client = signed_in(client, people["maff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/queue/", {"scope": "holding"}).content.decode()
    assert '<html lang="en">' in html
    assert "Smart agriculture, forestry, fisheries and food" in html


def test_single_office_liaison_has_no_office_filter(client, people):
    html = signed_in(client, people["maff"]).get("/queue/").content.decode()
    assert 'name="office"' not in html


def test_bulk_accept_accepts_the_chosen_and_reports_failures(client, people, file):
    maff = people["maff"]
    one = file(people["matsumoto"], title="一件目")
    two = file(people["matsumoto"], title="二件目")
    taken = file(people["matsumoto"], title="先に受け付けられた相談")
    left_alone = file(people["matsumoto"], title="選ばなかった相談")
    invisible = file(people["niigata"], policy_area="sme-dx", title="見えない相談")
    services.transition(actor=people["maff_lead"], consultation=taken, action="accept")
    client = signed_in(client, maff)
    response = client.post(
        "/queue/accept/",
        {"consultation": [one.pk, two.pk, taken.pk, invisible.pk], "back": "sort=created&q=%E4%BB%B6"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/queue/?sort=created&q=%E4%BB%B6"  # PRG, keeping the filters
    for consultation in (one, two):
        consultation.refresh_from_db()
        assert consultation.status == "in_progress" and consultation.assignee == maff
    taken.refresh_from_db()
    assert taken.assignee == people["maff_lead"]
    left_alone.refresh_from_db()
    invisible.refresh_from_db()
    assert left_alone.status == "open" and invisible.status == "open"

    html = client.get(response["Location"]).content.decode()
    assert f"2件の相談を受け付けました（{one.reference}、{two.reference}）" in html
    assert "2件の相談は受け付けられませんでした" in html
    assert f"{taken.reference}「{taken.title}」" in html and "既に 関東 稔 さんが受け付けています" in html
    assert "相談が見つかりません" in html and invisible.title not in html
    # The report is shown once.
    assert "受け付けられませんでした" not in client.get("/queue/").content.decode()


def test_bulk_accept_with_nothing_chosen_says_so(client, people):
    client = signed_in(client, people["maff"])
    response = client.post("/queue/accept/", {"back": "status=all"})
    assert response["Location"] == "/queue/?status=all"
    assert "受け付ける相談を選んでください" in client.get(response["Location"]).content.decode()


def test_bulk_accept_back_is_only_a_query_string(client, people):
    response = signed_in(client, people["maff"]).post("/queue/accept/", {"back": "//evil.example/"})
    assert response["Location"].startswith("/queue/")


# --- triage ----------------------------------------------------------------------------------


def test_triage_is_for_the_secretariat_only(client, people):
    for who in ("matsumoto", "maff"):
        client = signed_in(client, people[who])
        assert client.get("/triage/").status_code == 404
        assert client.post("/triage/", {"consultation": "1"}).status_code == 404


def test_triage_lists_only_triage_consultations_oldest_first(client, people, file):
    newer = file(people["niigata"], policy_area="other", title="新しい振り分け待ち")
    older = file(people["matsumoto"], policy_area="other", title="古い振り分け待ち", now=jst(2026, 10, 1, 10, 0))
    routed = file(people["matsumoto"], title="振り分け済み")
    assert older.status == "triage" and newer.status == "triage"
    response = signed_in(client, people["secretariat"]).get("/triage/")
    assert row_ids(response) == [older.pk, newer.pk]
    html = response.content.decode()
    assert routed.title not in html
    assert "長野県松本市" in html and "その他・どこに相談すべきか分からない" in html
    assert "振り分けルールにより事務局に送られました" in html  # why no rule routed it
    # The office choice, grouped by ministry, and the reason pre-filled.
    assert '<optgroup label="農林水産省">' in html
    assert f'name="route-{older.pk}-office"' in html
    assert f'name="route-{older.pk}-reason" value="事務局による振り分け"' in html


def test_triage_suggests_the_lead_ministry_headquarters(client, people, file):
    from routing import services as routing_services

    # A published version without the smart-agri rule sends such consultations to triage.
    draft = routing_services.create_draft(actor=people["secretariat"])
    for rule in draft.rules.filter(conditions__policy_areas__contains=["smart-agri"]):
        routing_services.save_rule(draft=draft, rule=rule, name=rule.name, priority=rule.priority, enabled=False,
                                   conditions=rule.conditions, actions=rule.actions)  # fmt: skip
    routing_services.publish_rule_set(draft=draft, actor=people["secretariat"], note="試験")
    consultation = file(people["matsumoto"], title="ルールのない相談")
    assert consultation.status == "triage"
    html = signed_in(client, people["secretariat"]).get("/triage/").content.decode()
    assert re.search(rf'name="route-{consultation.pk}-office".*?<option value="maff-hq" selected>', html, re.S)


def test_routing_from_the_triage_page_opens_it_at_the_chosen_office(client, people, file):
    consultation = file(people["niigata"], policy_area="other", title="どこに相談すれば")
    client = signed_in(client, people["secretariat"])
    response = client.post(
        "/triage/",
        {
            "consultation": consultation.pk,
            f"route-{consultation.pk}-office": "digital-hq",
            f"route-{consultation.pk}-reason": "データ連携の相談のため",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/triage/"
    consultation.refresh_from_db()
    assert consultation.status == "open"
    assert consultation.primary_office.slug == "digital-hq"
    event = consultation.events.get(kind="routed_by_hand")
    assert event.reason == "データ連携の相談のため" and event.actor == people["secretariat"]
    html = client.get("/triage/").content.decode()
    assert f"{consultation.reference}「{consultation.title}」をデジタル庁" in html
    assert "振り分けを待っている相談はありません" in html


def test_triage_reason_is_required_error_in_summary_and_at_field(client, people, file):
    consultation = file(people["niigata"], policy_area="other", title="理由のない振り分け")
    other = file(people["matsumoto"], policy_area="other", title="もう一つの振り分け待ち")
    prefix = f"route-{consultation.pk}"
    response = signed_in(client, people["secretariat"]).post(
        "/triage/",
        {"consultation": consultation.pk, f"{prefix}-office": "digital-hq", f"{prefix}-reason": "  "},
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))]
    assert consultation.reference in summary and "振り分けの理由" in summary
    assert f'href="#id_{prefix}-reason"' in summary
    assert f'id="id_{prefix}-reason-error"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{prefix}-reason-error"[^>]*aria-invalid="true"', html)
    # The chosen office is kept; the other row's form is untouched.
    assert re.search(rf'name="{prefix}-office".*?<option value="digital-hq" selected>', html, re.S)
    assert f'id="id_route-{other.pk}-reason-error"' not in html
    consultation.refresh_from_db()
    assert consultation.status == "triage"


def test_triage_unknown_office_and_already_routed(client, people, file):
    consultation = file(people["niigata"], policy_area="other", title="部局が不明")
    prefix = f"route-{consultation.pk}"
    client = signed_in(client, people["secretariat"])
    response = client.post(
        "/triage/", {"consultation": consultation.pk, f"{prefix}-office": "nowhere", f"{prefix}-reason": "理由"}
    )
    assert response.status_code == 400
    assert f'href="#id_{prefix}-office"' in response.content.decode()
    services.transfer(actor=people["secretariat"], consultation=consultation, office="digital-hq", reason="先に")
    response = client.post(
        "/triage/", {"consultation": consultation.pk, f"{prefix}-office": "maff-hq", f"{prefix}-reason": "理由"}
    )
    assert response.status_code == 400
    assert "この相談は既に振り分けられています" in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.primary_office.slug == "digital-hq"


# --- queries do not grow with rows ------------------------------------------------------------


def count_queries(client, path: str) -> int:
    client.get(path)  # warm the per-process reference caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def _many(file, actor, count, **fields):
    return [file(actor, title=f"相談{number:02d}", **fields) for number in range(count)]


def test_staff_home_queries_do_not_grow_with_rows(client, people, file):
    client = signed_in(client, people["matsumoto"])
    waiting = file(people["matsumoto"], title="待ち")
    services.transition(actor=people["maff"], consultation=waiting, action="request_info", comment="教えて")
    _many(file, people["matsumoto"], 1)
    few = count_queries(client, "/")
    _many(file, people["matsumoto"], 29)
    assert Consultation.objects.filter(filer_id="202029").count() == 31
    assert count_queries(client, "/") == few


def test_queue_queries_do_not_grow_with_rows(client, people, file):
    client = signed_in(client, people["maff"])
    _many(file, people["matsumoto"], 1)
    few = count_queries(client, "/queue/")
    _many(file, people["matsumoto"], 29)
    response = client.get("/queue/")
    assert len(response.context["rows"]) == 30
    assert count_queries(client, "/queue/") == few


def test_triage_queries_do_not_grow_with_rows(client, people, file):
    client = signed_in(client, people["secretariat"])
    _many(file, people["niigata"], 1, policy_area="other")
    few = count_queries(client, "/triage/")
    _many(file, people["niigata"], 19, policy_area="other")
    assert len(client.get("/triage/").context["rows"]) == 20
    assert count_queries(client, "/triage/") == few


def test_secretariat_home_queries_do_not_grow_with_rows(client, people, file):
    client = signed_in(client, people["secretariat"])
    _many(file, people["matsumoto"], 1)
    few = count_queries(client, "/")
    _many(file, people["matsumoto"], 12)
    assert count_queries(client, "/") == few


def test_q_finds_the_same_on_the_queue_and_the_api(client, people, file, api, search_texts):
    drone = file(people["matsumoto"], title="ドローンの相談", body="散布の補助について")
    cashless = file(people["matsumoto"], title="直売所の決済", body="キャッシュレス決済の導入")
    file(people["matsumoto"], title="別件", body="ほかのこと")
    search_texts()
    client = signed_in(client, people["maff"])
    for text in ("ドローン", "キャッシュレス", "補助", cashless.reference, cashless.reference[-6:], "該当なし"):
        on_the_page = set(row_ids(client.get("/queue/", {"q": text, "status": "all"})))
        on_the_api = {
            row["id"] for row in api(people["maff"]).get("/api/v1/consultations/", {"q": text}).json()["results"]
        }
        assert on_the_page == on_the_api, text
    assert set(row_ids(client.get("/queue/", {"q": "散布"}))) == {drone.pk}  # the body
