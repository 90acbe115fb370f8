"""Django 5.2 writes every multi-row insert on PostgreSQL as ``UNNEST`` of one array per
column, which saves planning on large batches. The few rows a filing or a reply inserts
at once (its events, notifications) then cost more in building those arrays in Python
(psycopg quotes every element with a regular expression) than the planning saves: about
a tenth of a filing's CPU. Below ``UNNEST_FROM_ROWS`` rows, plain VALUES as before 5.2."""

from django.db.backends.postgresql import compiler as postgresql
from django.db.models.sql import compiler as generic

__all__ = ["SQLAggregateCompiler", "SQLCompiler", "SQLDeleteCompiler", "SQLInsertCompiler", "SQLUpdateCompiler"]

UNNEST_FROM_ROWS = 50

SQLCompiler = postgresql.SQLCompiler
SQLDeleteCompiler = postgresql.SQLDeleteCompiler
SQLUpdateCompiler = postgresql.SQLUpdateCompiler
SQLAggregateCompiler = postgresql.SQLAggregateCompiler


class SQLInsertCompiler(postgresql.SQLInsertCompiler):
    def assemble_as_sql(self, fields, value_rows):
        if len(value_rows) < UNNEST_FROM_ROWS:
            return generic.SQLInsertCompiler.assemble_as_sql(self, fields, value_rows)
        return super().assemble_as_sql(fields, value_rows)
