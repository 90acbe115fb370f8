"""Office webhooks: signed JSON over https, never to private addresses in
production, never following redirects."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SIGNATURE_HEADER = "X-Banso-Signature"
TIMESTAMP_HEADER = "X-Banso-Timestamp"


class UnsafeURL(ValueError):
    pass


def _is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> list[str]:
    """Refuse what a webhook must not reach; return the addresses to connect to.

    https only (http to loopback only when ``BANSO_WEBHOOK_ALLOW_LOOPBACK``);
    private, loopback and link-local addresses only when
    ``BANSO_WEBHOOK_ALLOW_PRIVATE`` (development and tests)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise UnsafeURL(_("WebhookのURLにホスト名がありません"))
    loopback_ok = settings.BANSO_WEBHOOK_ALLOW_LOOPBACK and _is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback_ok):
        raise UnsafeURL(_("WebhookのURLは https で始めてください"))
    if not resolve:
        return []
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise UnsafeURL(_("ホスト名 %(host)s を解決できません") % {"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not (settings.BANSO_WEBHOOK_ALLOW_PRIVATE or loopback_ok):
        private = [a for a in addresses if _is_private(a)]
        if private:
            raise UnsafeURL(_("プライベートアドレス（%(address)s）には送信しません") % {"address": private[0]})
    return addresses


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``timestamp.body``; receivers check it and the timestamp's age."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass
class Outcome:
    ok: bool
    status: int | None
    error: str


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address that was checked, verifying the certificate for the host name."""

    def __init__(self, host, address, port, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, port, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, *, secret: str, payload: dict, delivery_key: str, timestamp: str, timeout: float = 5.0) -> Outcome:
    """One attempt. 2xx is success; a redirect is a failure (never followed)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        addresses = check_url(url)
    except UnsafeURL as exc:
        return Outcome(False, None, str(exc))
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(parts.hostname, addresses[0], port, timeout, ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(parts.hostname, addresses[0], port, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Banso-Webhook/1",
        "X-Banso-Delivery": delivery_key,
        "X-Banso-Event": payload.get("event", {}).get("kind", ""),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= status < 300:
        return Outcome(True, status, "")
    return Outcome(False, status, f"HTTP {status}")
