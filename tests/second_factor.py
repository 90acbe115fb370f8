"""The second factor in tests: liaisons and the secretariat must use one
(BANSO_MFA_REQUIRED_ROLES is on in the test settings too).

Every user a test creates in such a role gets TOTP with the demo secret, in one
place: the autouse fixture ``_second_factor_for_required_roles`` in
tests/conftest.py calls :func:`with_totp` whenever such a user is saved. A test
that needs one without it marks itself ``@pytest.mark.without_second_factor``.
"""

import time

from consult.management.commands.seed_demo import DEMO_TOTP_SECRET


def with_totp(user, secret: str = DEMO_TOTP_SECRET):
    """Give ``user`` TOTP (and recovery codes), as the demo accounts have it."""
    from accounts.services import activate_totp

    activate_totp(user=user, secret=secret)
    return user


def totp_code(secret: str = DEMO_TOTP_SECRET, at: float | None = None) -> str:
    """The RFC 6238 code of ``secret`` now (or at the Unix time ``at``)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


def sign_in(client, email: str, password: str, code: str | None = None):
    """Sign in on the page as a person does: the password, then (when allauth
    asks for it) the TOTP code, by default the demo secret's current one.
    Returns the last response."""
    from django.urls import reverse

    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate")):
        response = client.post(reverse("mfa_authenticate"), {"code": code or totp_code()})
    return response
