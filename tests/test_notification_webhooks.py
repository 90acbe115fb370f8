"""Office webhooks: signed JSON, retries with backoff, a delivery log, disabled
after repeated failures with a notice to the office lead; safe addresses only."""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications import delivery, services, webhooks
from notifications.kinds import Kind
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint, WebhookStatus
from routing.business_time import JST
from routing.models import Office

pytestmark = pytest.mark.django_db
DAY = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)
PAST = datetime.datetime(2020, 1, 1, tzinfo=JST)  # any retry due long ago


class Receiver:
    """A webhook receiver on loopback that answers with ``status``."""

    def __init__(self, status=200):
        self.status = status
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Location", "http://10.0.0.1/")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(status=200):
        made.append(Receiver(status))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_each_event_is_posted_signed(people, file, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    endpoint = services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url=hook.url, secret="s3cret")
    with django_capture_on_commit_callbacks(execute=True):
        consultation = file(people["matsumoto"], now=DAY)
    assert len(hook.requests) == 1
    headers, body = hook.requests[0]
    expected = hmac.new(b"s3cret", headers["X-Banso-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Banso-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"]["kind"] == "routed"
    assert payload["consultation"]["reference"] == consultation.reference
    assert payload["consultation"]["primary_office"] == "maff-rab-kanto"
    sent = WebhookDelivery.objects.get(endpoint=endpoint)
    assert sent.status == WebhookStatus.SENT and sent.last_status_code == 200 and len(sent.log) == 1
    # Running the delivery again (a duplicated task) posts nothing more.
    delivery.send_webhooks([sent.pk])
    assert len(hook.requests) == 1


def test_a_filing_with_an_attachment_posts_the_reference_with_every_event(people, file, receiver):
    from consult.models import Event
    from consult.services import Upload

    hook = receiver()
    services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url=hook.url, secret="x")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    consultation = file(people["matsumoto"], now=DAY, attachments=[Upload("資料.pdf", pdf)])
    assert consultation.reference.startswith("BNS-2026-")
    payloads = {d.payload["event"]["kind"]: d.payload for d in WebhookDelivery.objects.all()}
    assert set(payloads) == {"routed", "attachment_added"}
    for payload in payloads.values():
        assert payload["consultation"]["reference"] == consultation.reference
    added = Event.objects.get(consultation=consultation, kind="attachment_added")
    assert payloads["attachment_added"]["event"]["id"] == added.pk
    assert added.data["name"] == "資料.pdf"


def test_failures_are_retried_with_backoff_then_given_up(people, file, receiver):
    hook = receiver(status=500)
    services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url=hook.url, secret="x")
    file(people["matsumoto"], now=DAY)
    pending = WebhookDelivery.objects.get()
    delivery.send_webhooks([pending.pk])
    pending.refresh_from_db()
    assert pending.status == WebhookStatus.PENDING and pending.attempts == 1 and pending.last_status_code == 500
    assert pending.next_attempt_at > timezone.now()
    assert delivery.send_webhooks([pending.pk]) == 0 and len(hook.requests) == 1  # not yet due
    for _ in range(5):
        WebhookDelivery.objects.filter(pk=pending.pk).update(next_attempt_at=PAST)
        delivery.send_webhooks([pending.pk])
    pending.refresh_from_db()
    assert pending.status == WebhookStatus.FAILED and pending.attempts == delivery.MAX_WEBHOOK_ATTEMPTS
    assert [entry["status"] for entry in pending.log] == [500] * 6
    # A redirect is a failure, never followed.
    assert all(h.get("Location") is None for h, _ in hook.requests)


def test_repeated_failures_disable_the_endpoint_and_tell_the_lead(people, file, receiver):
    hook = receiver(status=503)
    endpoint = services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url=hook.url, secret="x")
    for _ in range(5):
        file(people["matsumoto"], now=DAY)
    for _ in range(2):
        WebhookDelivery.objects.filter(status=WebhookStatus.PENDING).update(next_attempt_at=PAST)
        delivery.send_webhooks(list(WebhookDelivery.objects.values_list("pk", flat=True)))
    endpoint.refresh_from_db()
    assert endpoint.is_active is False and endpoint.consecutive_failures == delivery.WEBHOOK_DISABLE_AFTER
    notice = Notification.objects.get(kind=Kind.WEBHOOK_DISABLED)
    assert notice.recipient == people["maff_lead"] and hook.url in notice.data["detail"]
    file(people["matsumoto"], now=DAY)
    assert WebhookDelivery.objects.count() == 5  # no new deliveries for a disabled endpoint
    services.reenable_webhook(endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.jp/banso", "https"),
        ("ftp://hooks.example.jp/banso", "https"),
        ("https:///banso", "ホスト名"),
    ],
)
def test_urls_must_be_https(url, message, settings):
    settings.BANSO_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError) as raised:
        services.validate_webhook_url(url)
    assert message in str(raised.value.message_dict["url"])


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/", "https://10.1.2.3/x", "https://192.168.0.5/", "https://169.254.169.254/", "https://[::1]/"],
)
def test_private_addresses_are_never_posted_to_in_production(url, settings):
    settings.BANSO_WEBHOOK_ALLOW_LOOPBACK = False
    settings.BANSO_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.UnsafeURL, match="プライベートアドレス"):
        webhooks.check_url(url)
    outcome = webhooks.post(url, secret="x", payload={}, delivery_key="k", timestamp="0")
    assert outcome.ok is False and "プライベートアドレス" in outcome.error


def test_http_to_loopback_is_for_development_only(settings):
    settings.BANSO_WEBHOOK_ALLOW_LOOPBACK = True
    assert webhooks.check_url("http://127.0.0.1:9/hook") == ["127.0.0.1"]
    settings.BANSO_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(webhooks.UnsafeURL):
        webhooks.check_url("http://127.0.0.1:9/hook")


def test_a_dead_endpoint_never_blocks_other_deliveries(people, file, receiver):
    good = receiver()
    services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url="http://127.0.0.1:9/closed", secret="x")
    services.add_webhook(office=Office.objects.get(slug="maff-rab-kanto"), url=good.url, secret="y")
    file(people["matsumoto"], now=DAY)
    assert delivery.send_webhooks(list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))) == 1
    assert len(good.requests) == 1
    failed = WebhookDelivery.objects.get(endpoint__url__endswith="/closed")
    assert failed.status == WebhookStatus.PENDING and "ConnectionRefused" in failed.last_error
    assert WebhookEndpoint.objects.get(url__endswith="/closed").consecutive_failures == 1
