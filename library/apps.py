from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "回答事例集 (good-answer library)"
    default_auto_field = "django.db.models.BigAutoField"
