from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "検索 (search)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from consult import text_search

        from . import selectors, services
        from .backend import register_sqlite_functions

        # The embedded default ranks in Python: each SQLite connection gets the function.
        connection_created.connect(register_sqlite_functions, dispatch_uid="search.sqlite_functions")
        # consult's lists search through this registration (imports run search → consult).
        text_search.register(
            text_search.TextSearch(
                matching=selectors.search_consultations,
                highlights=selectors.highlights,
                text_changed=lambda consultation_id: services.queue_consultation_text(consultation_id=consultation_id),
            )
        )
