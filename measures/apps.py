from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "関連施策 (related measures)"
    default_auto_field = "django.db.models.BigAutoField"
