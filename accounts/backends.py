"""The authentication backends, loading the session's user together with whether
it has a second factor (one query, as before; see accounts.second_factor)."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .second_factor import HAS_SECOND_FACTOR, has_second_factor_expression


class _LoadsSecondFactor:
    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(**{HAS_SECOND_FACTOR: has_second_factor_expression()})
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_LoadsSecondFactor, DjangoModelBackend):
    pass


class AuthenticationBackend(_LoadsSecondFactor, AllauthBackend):
    pass
