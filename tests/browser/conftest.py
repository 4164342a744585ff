"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium, started with the
flags this machine needs. Each test gets a fresh world in a transactional database."""

import datetime
import os
from pathlib import Path

import pytest

from tests.web.world import PASSWORD, Clock, build_world

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
def clock(monkeypatch):
    """The day the pages and services see; 2018-05-10 is inside 2017-2018's registration window."""
    return Clock(monkeypatch, datetime.date(2018, 5, 10))


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
