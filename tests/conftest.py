import pytest
from django.core.management import call_command


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "without_second_factor: users the test creates in a required role get no TOTP (tests/second_factor.py)",
    )


@pytest.fixture(autouse=True)
def _second_factor_for_required_roles(request):
    """Liaisons and the secretariat must use a second factor: every such user a
    test creates (factories, upsert_user, seed_demo) gets TOTP with the demo secret."""
    if request.node.get_closest_marker("without_second_factor"):
        yield
        return
    from django.db.models.signals import post_save

    from accounts.models import User
    from accounts.second_factor import second_factor_missing

    from .second_factor import with_totp

    def give(sender, instance, raw=False, **kwargs):
        if not raw and second_factor_missing(instance):
            with_totp(instance)

    post_save.connect(give, sender=User, dispatch_uid="tests-second-factor")
    yield
    post_save.disconnect(sender=User, dispatch_uid="tests-second-factor")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data once per test database; each test then
    runs in a transaction that is rolled back."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def demo_accounts(db):
    call_command("seed_demo", accounts_only=True, verbosity=0)
    from accounts.models import User

    return {user.email: user for user in User.objects.all()}


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the (real Redis) cache, reference data and
    directories in each process's memos: start each test clean."""
    from django.core.cache import cache

    from config import memo

    cache.clear()
    memo.forget()
    yield
    cache.clear()
    memo.forget()


@pytest.fixture
def api():
    """``api(user)``: an API client signed in as ``user`` (None: anonymous)."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def people(demo_accounts):
    """The demo accounts by role, plus staff of a co-filer and a liaison of another office."""
    from accounts.models import Role
    from accounts.services import upsert_user
    from routing.models import LocalGovernment, Office

    shizuoka, _ = upsert_user(
        email="staff@shizuoka.example.lg.jp",
        display_name="静岡 市子",
        role=Role.STAFF,
        local_government=LocalGovernment.objects.get(code="221007"),
    )
    hq, _ = upsert_user(
        email="liaison@maff.example.go.jp",
        display_name="本省 担当",
        role=Role.LIAISON,
        offices=[Office.objects.get(slug="maff-hq")],
    )
    digital, _ = upsert_user(
        email="liaison@digital.example.go.jp",
        display_name="デジタル 担当",
        role=Role.LIAISON,
        offices=[Office.objects.get(slug="digital-hq")],
    )
    return {
        "matsumoto": demo_accounts["staff@matsumoto.example.lg.jp"],
        "niigata": demo_accounts["staff@niigata.example.lg.jp"],
        "shizuoka": shizuoka,
        "maff": demo_accounts["liaison@kanto.maff.example.go.jp"],
        "maff_lead": demo_accounts["lead@kanto.maff.example.go.jp"],
        "meti": demo_accounts["liaison@kanto.meti.example.go.jp"],
        "maff_hq": hq,
        "digital": digital,
        "secretariat": demo_accounts["secretariat@cao.example.go.jp"],
    }


@pytest.fixture
def file():
    """``file(actor, **fields)``: file a consultation through the service."""
    from consult import services

    def make(actor, **fields):
        fields.setdefault("title", "スマート農業の導入について")
        fields.setdefault("body", "ドローンによる農薬散布の補助制度について伺います。")
        fields.setdefault("policy_area", "smart-agri")
        return services.file_consultation(actor=actor, **fields).consultation

    return make


@pytest.fixture
def committed_reference_data(transactional_db):
    """Transactional tests may start from an emptied database: load the reference data (idempotent)."""
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def search_texts(db):
    """``search_texts()``: build every consultation's search text, as the task queued at
    commit does (a test's transaction is rolled back, never committed)."""
    from consult.models import Consultation
    from search import services as search_services

    def build():
        return search_services.build_texts(consultation_ids=list(Consultation.objects.values_list("pk", flat=True)))

    return build
