"""Run every benchmark, or the ones named: ``python -m bench [name ...]``.

Uses the database in ``DATABASE_URL`` (created and migrated when missing) and
the Redis in ``REDIS_URL``; `make bench` points them at local services.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/banso_bench")


def main() -> None:
    from bench.support import prepare_database

    prepare_database()
    modules = pkgutil.iter_modules([str(Path(__file__).parent)])
    names = sys.argv[1:] or [
        module.name
        for module in modules
        if module.name not in {"support", "generate", "seed", "search_labels", "__main__"}
    ]
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        module.run()


if __name__ == "__main__":
    main()
