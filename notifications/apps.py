from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "通知 (notifications)"

    def ready(self) -> None:
        from . import directory

        directory.connect()
