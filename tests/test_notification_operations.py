"""Operations: the notifications queue, retry settings, schedules synced into
django-celery-beat, the digest's business days, and retries from the admin."""

import datetime

import pytest
from django.core import mail

from config.celery import app
from notifications import tasks
from notifications.models import EmailStatus, Notification, WebhookDelivery, WebhookStatus
from routing.business_time import JST

pytestmark = pytest.mark.django_db
DAY = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)


@pytest.mark.parametrize(
    "name", ["notifications.deliver_inbox", "notifications.send_emails", "notifications.send_webhooks",
             "notifications.fire_alarms", "notifications.send_digest"],
)  # fmt: skip
def test_delivery_tasks_go_to_their_queue_and_retry_with_backoff_up_to_a_cap(name):
    app.loader.import_default_modules()  # the apps' tasks modules, found as a worker finds them
    task = app.tasks[name]
    assert app.amqp.router.route({}, name)["queue"].name == "notifications"
    assert task.acks_late is True
    assert task.autoretry_for == (Exception,)
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 8


@pytest.mark.django_db(transaction=True)  # beat's scheduler closes the connection it used
def test_periodic_schedules_are_synced_into_django_celery_beat():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app)  # what beat does when it starts
    synced = {task.name: task for task in PeriodicTask.objects.select_related("crontab", "interval")}
    assert synced["notifications-outbox"].task == "notifications.sweep_outbox"
    assert synced["notifications-deadlines"].interval.every == 60
    digest = synced["notifications-digest"].crontab
    assert (digest.minute, digest.hour, digest.day_of_week) == ("30", "8", "mon-fri")


def test_the_digest_waits_for_business_days(people, file, time_machine):
    from notifications import services

    services.set_preferences(user=people["maff"], choices={"routed": "digest"})
    file(people["matsumoto"], now=DAY)
    time_machine.move_to(datetime.datetime(2026, 12, 29, 8, 30, tzinfo=JST))  # year-end closure
    assert tasks.send_digests() == 0
    time_machine.move_to(datetime.datetime(2027, 1, 4, 8, 30, tzinfo=JST))
    assert tasks.send_digests() == 1
    digest = next(m for m in mail.outbox if m.to == [people["maff"].email])
    assert "本日のまとめ（1件）" in digest.subject


def test_failed_deliveries_are_retried_from_the_admin(client, people, file, django_capture_on_commit_callbacks):
    from accounts.models import User

    consultation = file(people["matsumoto"], now=DAY)
    failed = Notification.objects.filter(consultation=consultation).first()
    Notification.objects.filter(pk=failed.pk).update(email_status=EmailStatus.FAILED, email_attempts=5,
                                                     email_error="SMTPRecipientsRefused")  # fmt: skip
    admin = User.objects.create_superuser(email="admin@cao.example.go.jp", password="x" * 12, display_name="管理")
    client.force_login(admin)
    page = client.get("/admin/notifications/notification/?email_status__exact=failed")
    assert page.status_code == 200
    assert f"/admin/notifications/notification/{failed.pk}/" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/notification/",
            {"action": "retry_email", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.email_status == EmailStatus.SENT and failed.email_error == ""
    assert any(m.to == [failed.recipient.email] for m in mail.outbox)


def test_failed_webhooks_are_retried_from_the_admin(client, people, file):
    from accounts.models import User
    from notifications import services
    from routing.models import Office

    services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url="http://127.0.0.1:9/x", secret="s")
    file(people["matsumoto"], now=DAY)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookStatus.FAILED, attempts=6)
    admin = User.objects.create_superuser(email="admin@cao.example.go.jp", password="x" * 12, display_name="管理")
    client.force_login(admin)
    response = client.post(
        "/admin/notifications/webhookdelivery/", {"action": "retry", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.PENDING and delivery.attempts == 0
