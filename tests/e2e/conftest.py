"""Browser tests: real Chromium (Debian's package) driven by Playwright, against
the live test server; axe-core from node_modules checks accessibility.

Every browser context reports Content-Security-Policy violations (the
``securitypolicyviolation`` event, and Chromium's console message for them); a
test during which any page broke the policy fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("BANSO_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE_SCRIPT.read_text(encoding="utf-8")
# Screenshots of every page the browser tests visit, at both widths (README).
SCREENSHOTS = Path(os.environ.get("BANSO_SCREENSHOTS", Path(settings.BASE_DIR) / "var" / "screenshots"))
WIDE, NARROW = 1280, 360
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# Violations seen in the running test (reset before each test, checked after it).
CSP_VIOLATIONS: list[str] = []
# Installed in every page before its own scripts (Playwright adds it through the
# DevTools protocol, which the page's policy does not govern).
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__bansoCspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber} (${event.sample || ""})`);
});
"""


def watch_csp(context) -> None:
    """Record the context's policy violations in CSP_VIOLATIONS: the DOM event (pages
    with JavaScript) and Chromium's console error (pages without it too)."""

    def on_violation(description: str) -> None:
        CSP_VIOLATIONS.append(description)

    context.expose_function("__bansoCspViolation", on_violation)
    context.add_init_script(_REPORT_VIOLATIONS)

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(f"{message.location.get('url', '')}: {message.text}")

    context.on("console", on_console)


class _WatchedBrowser:
    """The browser, with every new context watching for policy violations."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        watch_csp(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium with apt-get")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # No sandbox: CI runs as root, where Chromium refuses its sandbox.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield _WatchedBrowser(chromium)
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    CSP_VIOLATIONS.clear()
    result = yield
    if CSP_VIOLATIONS:
        raise AssertionError("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(CSP_VIOLATIONS)))
    return result


@pytest.fixture
def site(live_server, committed_reference_data, settings):
    """The live server with the reference data and the demo accounts committed."""
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("seed_demo", accounts_only=True, verbosity=0)
    return live_server


@pytest.fixture
def open_as(browser, site):
    """``open_as(user, path)``: a page in a fresh browser context signed in as ``user``
    (None: signed out), at ``path``. Sign-in itself is tested through its form."""
    from django.test import Client

    contexts = []

    def make(user, path: str = "/", *, width: int = WIDE, language: str = "ja"):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
        contexts.append(context)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site.url}]
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site.url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(site.url + path)
        return page

    yield make
    for context in contexts:
        context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    # Evaluated through the DevTools protocol, not added as an inline <script>
    # that the page's Content-Security-Policy would (rightly) refuse.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def screenshot(page, name: str) -> None:
    """Full-page screenshots at 1280 and 360 px wide into SCREENSHOTS."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)


# Elements that stick out of the viewport, to say what makes a page scroll sideways.
WIDER_THAN_VIEWPORT = """() => {
  const out = [];
  document.querySelectorAll('body *').forEach((element) => {
    const box = element.getBoundingClientRect();
    if (box.right > window.innerWidth + 1) {
      out.push(`${element.tagName.toLowerCase()}.${element.className} (${Math.round(box.right)} px)`);
    }
  });
  return out.slice(0, 10);
}"""


def check_page(page, name: str) -> None:
    """Accessible at both widths, and photographed."""
    assert_accessible(page)
    page.set_viewport_size({"width": NARROW, "height": 900})
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW + 1, f"{name} scrolls sideways at 360 px ({width} px): {page.evaluate(WIDER_THAN_VIEWPORT)}"
    page.set_viewport_size({"width": WIDE, "height": 900})
    screenshot(page, name)
