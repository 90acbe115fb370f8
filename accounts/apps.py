from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "利用者 (accounts)"

    def ready(self):
        # Connects the signals that keep cached API tokens fresh, in every process.
        from . import authentication  # noqa: F401
