import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings

from .second_factor import must_use_second_factor

# Secrets allauth stores (the TOTP key, the recovery-code seed) are encrypted
# with a key derived from SECRET_KEY; older keys in SECRET_KEY_FALLBACKS still
# decrypt. Values written before encryption (no prefix) are read as they are.
_ENCRYPTED_PREFIX = "fernet:"


def _fernet():
    from cryptography.fernet import Fernet, MultiFernet

    def derive(secret: str) -> Fernet:
        digest = hashlib.sha256(b"banso.mfa.secrets:" + secret.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([derive(secret) for secret in secrets])


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: the secretariat creates accounts (admin or invitation)."""

    def is_open_for_signup(self, request) -> bool:
        return False


class BansoMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # A role that must use a second factor cannot switch its only one off.
        if authenticator.type == Authenticator.Type.TOTP and must_use_second_factor(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

    def encrypt(self, text: str) -> str:
        return _ENCRYPTED_PREFIX + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_ENCRYPTED_PREFIX):
            return encrypted_text
        return _fernet().decrypt(encrypted_text.removeprefix(_ENCRYPTED_PREFIX).encode()).decode()
