"""The project's shell: pages and docs answer, the schema validates, and the
compose file and Procfile name commands that exist."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command, get_commands

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/", 200, "伴走型支援"),
        ("/admin/", 302, ""),
        ("/admin/login/", 302, ""),  # to allauth's sign-in (tests/test_mfa.py)
        ("/api/schema/", 200, "openapi: 3"),
        ("/api/docs/", 200, "swagger"),
        ("/accounts/login/", 200, 'lang="ja"'),
    ],
)
def test_pages_answer(client, path, status, needle):
    response = client.get(path)
    assert response.status_code == status
    assert needle in response.content.decode()


@pytest.mark.django_db
def test_api_docs_load_nothing_from_another_host(client):
    html = client.get("/api/docs/").content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


@pytest.mark.django_db
def test_pages_use_the_design_tokens_from_npm(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/%40digital-go-jp/design-tokens/dist/tokens.css" in html
    css = client.get("/static/vendor/@digital-go-jp/design-tokens/dist/tokens.css")
    assert css.status_code == 200


@pytest.mark.django_db
def test_the_english_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get("/").content.decode()


def test_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert {"/api/v1/auth/token/", "/api/v1/reference/policy-areas/"} <= set(schema["paths"])


def _check_command(argv: list[str]) -> None:
    """Fail unless ``argv`` runs something that exists in this project."""
    if argv[:2] == ["sh", "-c"]:
        for part in argv[2].split("&&"):
            _check_command(shlex.split(part))
        return
    program = Path(argv[0]).name
    if program == "python" and argv[1] == "manage.py":
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
    elif program == "gunicorn":
        module, _, attribute = argv[1].partition(":")
        assert hasattr(importlib.import_module(module), attribute or "application")
    elif program == "celery":
        app = argv[argv.index("--app") + 1]
        assert importlib.import_module(app).celery_app.main == "banso"
        assert argv[argv.index("--app") + 2] in {"worker", "beat", "inspect"}
    elif program == "redis-server":
        pass  # the Redis image's own server
    else:
        raise AssertionError(f"unknown program {program!r} in {argv}")


def test_compose_services_and_their_commands_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "mailpit"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if "command" in service:
            _check_command(service["command"])
    for name in ("web", "worker", "postgres", "redis", "mailpit"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert services["web"]["build"] == "." and (ROOT / "Dockerfile").exists()
    assert "UTF8" in services["postgres"]["environment"]["POSTGRES_INITDB_ARGS"]
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")


def test_compose_runs_production_and_seeds_no_demo_account_unless_asked():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        # No default: compose stops with this message when the key is not in the environment or .env.
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), name
    started = [name for name, service in services.items() if "profiles" not in service]
    for name in started:
        assert "seed_demo" not in " ".join(services[name].get("command", [])), name
    assert services["demo"]["profiles"] == ["demo"] and "seed_demo" in services["demo"]["command"]
    # HTTPS in front: only the proxy publishes ports; it trusts the count web is told.
    assert "ports" not in services["web"]
    assert services["web"]["environment"]["BANSO_TRUSTED_PROXY_COUNT"] == "1"
    assert (ROOT / "deploy" / "Caddyfile").exists()
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in dockerfile


def test_procfile_runs_web_worker_beat_and_the_inbound_mail_service():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines() if line.strip()
    )
    assert set(processes) == {"web", "worker", "beat", "mail"}
    for command in processes.values():
        argv = [part for part in shlex.split(command) if not part.startswith("${")]
        _check_command(argv)


def test_dockerfile_installs_from_the_lock_files():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/bootstrap.txt" in dockerfile
    assert "uv pip sync --system --no-cache requirements/base.txt" in dockerfile
    assert "npm ci" in dockerfile


@pytest.mark.django_db
def test_every_admin_page_opens_for_the_secretariat(client, demo_accounts):
    from django.contrib import admin
    from django.urls import reverse

    client.force_login(demo_accounts["secretariat@cao.example.go.jp"])
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, info
        if model_admin.has_add_permission(type("R", (), {"user": demo_accounts["secretariat@cao.example.go.jp"]})):
            assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info
        first = model.objects.first()
        if first is not None:
            assert client.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk])).status_code == 200, info


@pytest.mark.django_db
def test_municipal_staff_cannot_open_the_admin(client, demo_accounts):
    client.force_login(demo_accounts["staff@matsumoto.example.lg.jp"])
    response = client.get("/admin/")
    assert response.status_code == 302
