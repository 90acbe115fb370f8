"""Who is asking: the client's address behind the site's reverse proxies."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied


def client_address(request) -> str:
    """The address rate limits key on: the client as the outermost trusted proxy
    saw it (``ALLAUTH_TRUSTED_PROXY_COUNT`` / ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``,
    set from ``BANSO_TRUSTED_PROXY_COUNT`` in production), else ``REMOTE_ADDR``.

    allauth's own rate limits (sign-in, password reset) decide the address with
    the same call, so Banso's limits and allauth's count the same client."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No usable address in the trusted header, or fewer forwarded hops than
        # trusted proxies (a request that came round the proxy): the peer itself.
        return request.META.get("REMOTE_ADDR", "") or "unknown"
