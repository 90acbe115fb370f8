import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data once per test database; each test then
    runs in a transaction that is rolled back."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def demo_accounts(db):
    call_command("seed_demo", verbosity=0)
    from accounts.models import User

    return {user.email: user for user in User.objects.all()}


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the (real Redis) cache: start each test clean."""
    from django.core.cache import cache

    from routing.selectors import clear_routing_caches

    cache.clear()
    clear_routing_caches()
    yield
    cache.clear()
    clear_routing_caches()
