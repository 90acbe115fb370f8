"""Middleware for signed-in people: nothing they see is cached, and a session
left alone signs itself out (production; see docs/security.md)."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers

SIGNED_IN_AT = "_banso_signed_in_at"
SEEN_AT = "_banso_seen_at"
# The header the page's own polling sends (consultation/region.html): a page
# left open refreshes itself, which is not the person being active.
BACKGROUND_HEADER = "X-Banso-Background"
# Activity is written to the session at most this often, not on every request.
_SEEN_RESOLUTION = 60


def _signed_in(request) -> bool:
    # Token API calls get their user from DRF, which sets it on the request too.
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in person, so that
    no shared cache or browser history keeps a page or an API answer for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            add_never_cache_headers(response)
        return response


@receiver(user_logged_in, dispatch_uid="banso-session-signed-in-at")
def _remember_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class IdleSessionTimeoutMiddleware:
    """Signs a session out after ``BANSO_SESSION_IDLE_SECONDS`` without a request
    of the person's own, and ``SESSION_COOKIE_AGE`` seconds after signing in.

    After the authentication middleware: the view then sees a signed-out person
    and answers as it does to anyone (pages redirect to the sign-in page). An
    htmx request instead sends the whole page there, not into the swapped part."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if hasattr(request, "session") and _signed_in(request) and self._expired(request):
            logout(request)
            if request.headers.get("HX-Request") == "true":
                page = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"
                response = HttpResponse()
                response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"
                return response
        return self.get_response(request)

    @staticmethod
    def _expired(request) -> bool:
        session = request.session
        now = time.time()
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None or seen_at is None:
            # A session from before this middleware: its clock starts now.
            session[SIGNED_IN_AT] = signed_in_at or now
            session[SEEN_AT] = now
            return False
        idle = getattr(settings, "BANSO_SESSION_IDLE_SECONDS", 30 * 60)
        if now - seen_at > idle or now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return True
        if request.headers.get(BACKGROUND_HEADER) != "1" and now - seen_at >= _SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return False
