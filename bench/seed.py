"""Seed generator: N consultations (default 100,000; 1,000,000 works) with
realistic routing, deadlines, messages and events across all prefectures and
policy areas, written with PostgreSQL COPY.

    .venv/bin/python -m bench.seed --count 100000        (uses DATABASE_URL, default banso_bench)

Every consultation is routed by the real decision core and the default rule
set, and its deadlines come from the government calendar, so the data behaves
like filed data for lists, metrics and replay.
"""

import argparse
import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/banso_bench")

CHUNK = 20_000


def seed(count: int, *, seed_value: int = 7, days: int = 730, out=print) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction

    from consult.models import Consultation
    from demo.history import COLUMNS, History

    history = History(seed_value=seed_value, days=days, user_prefix="bench")
    with connection.cursor() as cursor:
        # Numbers already used, also by an interrupted earlier run that never saved its counters.
        cursor.execute(
            "SELECT substring(reference from 5 for 4)::int, max(substring(reference from 10)::int) "
            "FROM consult_consultation WHERE reference LIKE 'BNS-%%' GROUP BY 1"
        )
        for year, last in cursor.fetchall():
            history.counters[year] = max(history.counters.get(year, 0), last)

    totals = dict.fromkeys(COLUMNS, 0)
    started = time.perf_counter()
    done = 0
    for rows in history.chunks(count, chunk=CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.connection
            for table, table_rows in rows.items():
                json_columns = [i for i, name in enumerate(COLUMNS[table]) if name in ("data", "mentions")]
                with raw.cursor().copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                    for row in table_rows:
                        if json_columns:
                            row = list(row)
                            for i in json_columns:
                                row[i] = json.dumps(row[i])
                        copy.write_row(row)
                totals[table] += len(table_rows)
        done += len(rows["consult_consultation"])
        rate = done / (time.perf_counter() - started)
        out(f"  {done:>9,} consultations ({rate:,.0f}/s)")
    with transaction.atomic():
        history.finish()
    with connection.cursor() as cursor:
        # As autovacuum would: statistics, and the visibility map for index-only scans.
        # Every table written here: without statistics the planner takes a
        # consultation's messages for thousands of rows and plans a parallel scan.
        cursor.execute(
            "VACUUM ANALYZE consult_consultation, consult_officehandling, consult_cofiler, consult_collaborator,"
            " consult_message, consult_attachment, consult_event, accounts_user, accounts_officemembership"
        )
    totals["seconds"] = round(time.perf_counter() - started, 1)
    totals["consultations_total"] = Consultation.objects.count()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from bench.support import prepare_database

    prepare_database()
    totals = seed(args.count, seed_value=args.seed)
    print(json.dumps(totals, ensure_ascii=False))


if __name__ == "__main__":
    main()
