from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = "画面 (pages)"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
