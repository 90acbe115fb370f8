"""Reference data: the load time and the latency of local-government search through the API.

make bench            # all benchmarks
.venv/bin/python -m bench reference_search
"""

import time

from bench.support import measure, report, with_second_factor

QUERIES = ["まつもと", "マツモト", "松本", "202029", "ｻｯﾎﾟﾛ", "きた", "村"]


def run() -> None:
    from django.test import Client

    from accounts.models import User
    from routing.reference_loader import load_reference_data

    start = time.perf_counter()
    report_ = load_reference_data()
    report(
        "load_reference_data (already loaded)", {"ms": (time.perf_counter() - start) * 1000, "changed": report_.changed}
    )

    user = User.objects.filter(role="secretariat").first()
    if user is None:
        user = User.objects.create_user("bench@cao.example.go.jp", display_name="bench", role="secretariat")
    with_second_factor(user)
    client = Client()
    client.force_login(user)
    for query in QUERIES:
        figures = measure(lambda q=query: client.get("/api/v1/reference/local-governments/", {"q": q}), repeat=50)
        report(f"GET local-governments/?q={query}", figures)
    report(
        "GET offices/?page_size=500",
        measure(lambda: client.get("/api/v1/reference/offices/", {"page_size": 500}), repeat=30),
    )
