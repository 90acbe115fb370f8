"""Django's PostgreSQL backend, with small bulk inserts written as VALUES (``compiler``)."""
