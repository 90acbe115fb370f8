from django.apps import AppConfig
from django.db.backends.signals import connection_created


class NearestRank:
    """``percentile_disc(fraction, value)`` for SQLite (the embedded default), which has
    no ordered-set aggregates: the nearest-rank percentile of the values, NULLs left out,
    as PostgreSQL's ``percentile_disc(fraction) WITHIN GROUP (ORDER BY value)``."""

    def __init__(self):
        self.fraction, self.values = 0.5, []

    def step(self, fraction, value):
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        from .core import nearest_rank

        return nearest_rank(self.values, self.fraction)


def _register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_disc", 2, NearestRank)


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "応答時間の指標 (metrics)"

    def ready(self):
        connection_created.connect(_register_sqlite_functions, dispatch_uid="metrics.sqlite_functions")
