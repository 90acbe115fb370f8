"""Following a measure: told once per window and person when applications
open, and once a week before they close (JST days), through the outbox."""

import datetime

import pytest
from django.core.management import call_command

from measures import services, tasks
from measures.models import Follow, Measure, Notice, Window
from notifications.kinds import Delivery, Kind
from notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def measure(db):
    call_command("load_measures", verbosity=0)
    return Measure.objects.get(slug="dden-grant-telework")


def _at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=JST)


def _sweep(now):
    total = 0
    for kind, ids in services.due_windows(now.astimezone(JST).date()).items():
        for window_id in ids:
            total += services.notify_window(window_id=window_id, kind=kind, now=now)
    return total


def _follow(user, measure):
    services.set_following(user=user, measure=measure, follow=True, now=_at("2026-01-01"))


def test_followers_are_told_once_when_the_window_opens_and_once_before_it_closes(people, measure):
    _follow(people["matsumoto"], measure)
    _follow(people["maff"], measure)
    Window.objects.create(
        measure=measure, fiscal_year=2026, opens_on=datetime.date(2026, 4, 1), closes_on=datetime.date(2026, 5, 15)
    )
    # 31 March 23:59 JST: not yet.
    assert _sweep(_at("2026-03-31", 23)) == 0
    # 1 April 00:30 JST is still 31 March in UTC: the Japanese day decides.
    assert _sweep(datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC)) == 2
    assert _sweep(_at("2026-04-02")) == 0  # beat runs again: nobody twice
    opened = Notification.objects.filter(kind=Kind.MEASURE_WINDOW_OPENED)
    assert sorted(opened.values_list("recipient_id", flat=True)) == sorted([people["matsumoto"].pk, people["maff"].pk])
    assert opened.first().data["title"] == measure.name and opened.first().data["measure_id"] == measure.pk
    # Closing notice: from 8 May (a week before 15 May), once.
    assert _sweep(_at("2026-05-07")) == 0
    assert _sweep(_at("2026-05-08")) == 2
    assert _sweep(_at("2026-05-14")) == 0
    assert Notification.objects.filter(kind=Kind.MEASURE_WINDOW_CLOSING).count() == 2
    # After it closed: nothing more.
    assert _sweep(_at("2026-05-16")) == 0
    assert Notice.objects.count() == 4


def test_a_new_window_is_a_new_notice_and_preferences_apply(people, measure):
    _follow(people["matsumoto"], measure)
    _follow(people["niigata"], measure)
    Preference.objects.create(user=people["niigata"], kind=Kind.MEASURE_WINDOW_OPENED, delivery=Delivery.OFF)
    from config import memo

    memo.forget()
    Window.objects.create(measure=measure, fiscal_year=2026, opens_on=datetime.date(2026, 4, 1))
    assert _sweep(_at("2026-04-01")) == 2
    # Turned off: recorded as handled (not sent later), but no notification.
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [people["matsumoto"].pk]
    Window.objects.create(measure=measure, fiscal_year=2027, opens_on=datetime.date(2027, 4, 1))
    assert _sweep(_at("2027-04-01")) == 2
    assert Notification.objects.filter(recipient=people["matsumoto"]).count() == 2


def test_unfollowed_or_inactive_people_and_late_followers(people, measure):
    _follow(people["matsumoto"], measure)
    window = Window.objects.create(measure=measure, fiscal_year=2026, opens_on=datetime.date(2026, 4, 1))
    people["matsumoto"].is_active = False
    people["matsumoto"].save()
    assert _sweep(_at("2026-04-01")) == 0
    # Following while the window is open: told it is open, once.
    _follow(people["niigata"], measure)
    assert _sweep(_at("2026-04-10")) == 1
    assert _sweep(_at("2026-04-11")) == 0
    services.set_following(user=people["niigata"], measure=measure, follow=False)
    assert not Follow.objects.filter(user=people["niigata"]).exists()
    assert Notice.objects.filter(window=window).count() == 1


def test_the_beat_task_runs_the_sweep(people, measure, monkeypatch):
    _follow(people["matsumoto"], measure)
    Window.objects.create(measure=measure, fiscal_year=2020, opens_on=datetime.date(2020, 4, 1))
    assert tasks.sweep_windows.apply().get() == 1
    assert tasks.sweep_windows.apply().get() == 0
    assert Notification.objects.filter(kind=Kind.MEASURE_WINDOW_OPENED).count() == 1


def test_the_notice_links_to_the_measure_in_the_inbox_the_api_and_the_email(people, measure, settings):
    from django.test import Client

    from notifications import texts

    settings.SITE_URL = "https://banso.example.go.jp"
    _follow(people["matsumoto"], measure)
    Window.objects.create(measure=measure, fiscal_year=2026, opens_on=datetime.date(2026, 4, 1))
    assert _sweep(_at("2026-04-01")) == 1
    notice = Notification.objects.get(kind=Kind.MEASURE_WINDOW_OPENED)
    page = f"/measures/{measure.pk}/"
    assert notice.data["path"] == page
    assert texts.notification_url(notice) == f"https://banso.example.go.jp{page}"
    assert measure.name in texts.summary(notice)
    email = texts.email_for(notice, language="ja")
    assert f"ページを開く: https://banso.example.go.jp{page}" in email.body and "相談を開く" not in email.body
    client = Client()
    client.force_login(people["matsumoto"])
    inbox = client.get("/inbox/").content.decode()
    assert f'<a href="{page}">{measure.name}</a>' in inbox
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["matsumoto"])
    rows = api.get("/api/v1/notifications/").json()["results"]
    assert [row["url"] for row in rows] == [f"https://banso.example.go.jp{page}"]


@pytest.mark.parametrize("path", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_a_notice_path_leads_only_within_the_site(people, path, settings):
    from notifications import texts

    settings.SITE_URL = "https://banso.example.go.jp"
    notice = Notification(recipient=people["matsumoto"], kind=Kind.MEASURE_WINDOW_OPENED, data={"path": path})
    assert texts.notification_url(notice) == "https://banso.example.go.jp/"
