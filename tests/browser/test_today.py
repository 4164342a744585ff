"""The demo site as a user starts it (setup_site --demo) on the real calendar, not the tests'
2018: every demo account follows every link of its menu and home page without a server error.
The other browser tests pin the clock; this one makes sure the current 学年 works too."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "jixiao-demo-2018"
ACCOUNTS = ["teacher", "schooladmin", "leader", "baseadmin", "district", "city"]


@pytest.fixture
def demo_site(transactional_db):
    call_command("setup_site", demo=True, stdout=io.StringIO())


def test_every_menu_and_home_link_loads_today(demo_site, session):
    failures = []
    for username in ACCOUNTS:
        s = session()
        s.login(username, DEMO_PASSWORD)
        page = s.page
        assert "/accounts/login/" not in page.url, username
        links = page.eval_on_selector_all("#main a[href], [data-testid=sidenav] a[href]",
                                          "els => els.map(e => e.getAttribute('href'))")
        for href in sorted({h for h in links if h.startswith("/") and "format=" not in h}):
            # A file (a PDF statement, an Excel export) is a download, not a page: fetch it with the
            # same session instead of navigating.
            is_file = href.split("?")[0].endswith((".pdf", ".xlsx", ".zip"))
            response = page.request.get(href) if is_file else page.goto(href)
            if response is None or response.status >= 400:
                failures.append((username, href, response and response.status))
        if s.errors:
            failures.append((username, "script errors", s.errors))
        s.close()
    assert not failures
