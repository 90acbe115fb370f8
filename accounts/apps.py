from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "利用者 (accounts)"

    def ready(self):
        # Token revocation and the token cache's invalidation, in every process.
        # And the token's description in the OpenAPI schema.
        from . import schema, signals  # noqa: F401
