"""Browser journeys in headless Debian Chromium driven by Playwright (no downloaded browser).

Without /usr/bin/chromium the journeys are skipped with a clear reason on a developer's machine;
under CI (CI=true) a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make for
# their fixtures are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.nodeid.split("/")[0]:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (browser tests skipped)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every journey fails on a Content-Security-Policy violation: the page reports each one
# through a binding (the `securitypolicyviolation` event), and Chromium's console errors are a backup.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__kbCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} `
    + `at ${e.sourceFile || location.pathname}:${e.lineNumber} (${e.sample || ""})`);
});
"""


# axe-core reads each stylesheet's rules for its css-orientation-lock rule; an `@import` (Django's
# admin forms.css imports widgets.css) it fetches and parses through a <style> element of its own,
# which the portal's CSP rightly refuses. `axe_running(context)` marks those few milliseconds: a
# refused inline <style> then is the tool's, not the page's. CDP delivers the page's events in order,
# so every report raised during `axe.run` reaches Python before the evaluate call returns.
AXE_STYLE_REPORTS = ("style-src-elem blocked inline", "Applying inline style violates")


class axe_running:
    def __init__(self, context):
        self.context = context

    def __enter__(self):
        self.context._kb_axe_running = True

    def __exit__(self, *exc):
        self.context._kb_axe_running = False


def watch_csp(context) -> list[str]:
    violations: list[str] = []
    context._kb_axe_running = False

    def report(text: str) -> None:
        if context._kb_axe_running and text.startswith(AXE_STYLE_REPORTS):
            return
        violations.append(text)

    context.expose_binding("__kbCspViolation", lambda source, text: report(text))
    context.add_init_script(CSP_WATCH)

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            report(message.text)

    context.on("page", lambda page: page.on("console", on_console))
    return violations


# Every page a journey visits reports each image that fails to load (an error event, or a finished
# image with no pixels: `naturalWidth == 0`, e.g. an SVG without its namespace), on load and after
# every htmx swap. Runs as a Playwright init script, so pages need no test hook of their own.
WATCH_IMAGES = """
(() => {
  const report = (img) => window.kbBrokenImage && window.kbBrokenImage(location.pathname, img.currentSrc || img.src);
  const check = () => document.querySelectorAll("img").forEach((img) => {
    if (img.complete && img.getAttribute("src") && img.naturalWidth === 0) report(img);
  });
  window.addEventListener("error", (e) => { if (e.target && e.target.tagName === "IMG") report(e.target); }, true);
  window.addEventListener("load", check);
  document.addEventListener("htmx:afterSettle", () => setTimeout(check, 0));
})();
"""


def watch_images(context) -> list[str]:
    """Collect the broken images of every page opened in `context` (see WATCH_IMAGES)."""
    broken: list[str] = []

    def on_broken(source, path, src):
        entry = f"{path}: {src[:120]}"
        if entry not in broken:
            broken.append(entry)

    context.expose_binding("kbBrokenImage", on_broken)
    context.add_init_script(WATCH_IMAGES)
    return broken


def assert_images_loaded(page) -> None:
    """Every image on the current page has loaded and has pixels (naturalWidth > 0)."""
    page.wait_for_function("() => Array.from(document.images).every((img) => img.complete)")
    broken = page.evaluate(
        "() => Array.from(document.images).filter((img) => img.naturalWidth === 0).map((img) => img.src.slice(0, 120))"
    )
    assert broken == [], f"broken images on {page.url}: {broken}"


def _open(browser, live_server, **options):
    context = browser.new_context(locale="ru-RU", **options)
    context.set_default_timeout(10_000)
    violations = watch_csp(context)
    broken = watch_images(context)
    page = context.new_page()
    page.base_url = live_server.url
    return context, page, violations, broken


@pytest.fixture
def page(browser, live_server):
    context, page, violations, broken = _open(browser, live_server, viewport={"width": 1440, "height": 900})
    yield page
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations)))
    assert broken == [], f"images that did not load: {broken}"


@pytest.fixture
def phone_page(browser, live_server):
    context, page, violations, broken = _open(
        browser, live_server, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    yield page
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations)))
    assert broken == [], f"images that did not load: {broken}"
