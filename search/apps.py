from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "検索 (search)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .backend import register_sqlite_functions

        # The embedded default ranks in Python: each SQLite connection gets the function.
        connection_created.connect(register_sqlite_functions, dispatch_uid="search.sqlite_functions")
