"""Small bulk inserts are written as VALUES, large ones as UNNEST (config/db/postgresql)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.db.postgresql.compiler import UNNEST_FROM_ROWS
from consult.models import ReferenceCounter

pytestmark = pytest.mark.django_db


def _insert(count: int) -> str:
    with CaptureQueriesContext(connection) as queries:
        ReferenceCounter.objects.bulk_create([ReferenceCounter(year=3000 + n, last=n) for n in range(count)])
    (insert,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    return insert


def test_a_few_rows_are_inserted_as_values():
    sql = _insert(3)
    assert "UNNEST" not in sql and sql.count("VALUES") == 1
    assert ReferenceCounter.objects.filter(year__gte=3000).count() == 3


def test_many_rows_keep_djangos_unnest():
    sql = _insert(UNNEST_FROM_ROWS)
    assert "UNNEST" in sql
    assert dict(ReferenceCounter.objects.filter(year__gte=3000).values_list("year", "last"))[3000 + 7] == 7
