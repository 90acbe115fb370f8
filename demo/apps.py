from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data: a realistic history of consultations written in bulk.
    Above every other app (it reads consult, library, metrics and search); nothing imports it
    but the benchmarks."""

    name = "demo"
    verbose_name = "デモデータ"
