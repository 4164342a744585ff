"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium, started with the
flags this machine needs. Each test gets a fresh world in a transactional database."""

import os
from pathlib import Path

import pytest

from tests.web.world import PASSWORD, build_world

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Most SQL queries one page (a GET, htmx partials included) of the live server may issue, whatever
# the rows: the same ceiling as tests/web/test_query_bounds.py, which shows it holds with 5 and 50
# rows. A POST that acts on N entries (a bulk approval: a job, run in-process when Celery is eager)
# does work that grows with N by nature, so it is not a page.
PAGE_QUERY_BOUND = 40


@pytest.fixture(autouse=True)
def page_queries():
    """Counts the SQL queries of every page the live server renders during the test, and fails
    the test if any went over PAGE_QUERY_BOUND."""
    import threading

    from django.core.signals import request_finished, request_started
    from django.db import connection

    pages, local = [], threading.local()

    def started(sender, environ=None, **kwargs):
        environ = environ or {}
        if environ.get("REQUEST_METHOD") != "GET":
            return
        page = {"path": environ.get("PATH_INFO", "?"), "queries": 0}

        def count(execute, sql, params, many, context):
            page["queries"] += 1
            return execute(sql, params, many, context)

        connection.execute_wrappers.append(count)
        local.current = (connection.execute_wrappers, count, page)

    def finished(sender, **kwargs):
        current = getattr(local, "current", None)
        if current is None:
            return
        wrappers, count, page = current
        if count in wrappers:
            wrappers.remove(count)
        pages.append(page)
        local.current = None

    request_started.connect(started, dispatch_uid="browser-page-queries-start")
    request_finished.connect(finished, dispatch_uid="browser-page-queries-finish")
    yield pages
    request_started.disconnect(dispatch_uid="browser-page-queries-start")
    request_finished.disconnect(dispatch_uid="browser-page-queries-finish")
    over = [p for p in pages if p["queries"] > PAGE_QUERY_BOUND]
    assert not over, f"pages over {PAGE_QUERY_BOUND} SQL queries: {over}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def world(transactional_db, clock):
    return build_world()


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Session:
    """One user's browser context: logs in through the real login form."""

    def __init__(self, browser, base_url, *, viewport=None):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="zh-CN",
                                           base_url=base_url)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # Anything the Content-Security-Policy blocked (an inline script, an on…= handler) is an error too.
        self.page.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text
                     and self.errors.append(msg.text))

    def login(self, username, password=PASSWORD):
        page = self.page
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    def close(self):
        self.context.close()


@pytest.fixture
def session(browser, live_server):
    opened = []

    def open_session(username=None, **kwargs):
        s = Session(browser, live_server.url, **kwargs)
        opened.append(s)
        if username:
            s.login(username)
        return s

    yield open_session
    for s in opened:
        s.close()
