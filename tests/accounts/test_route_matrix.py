"""The access matrix, generated: every route of the URL configuration and of the API router ×
every role (anonymous, 教师, 校管理员, 分管校长, 基地校管理员, 区县管理员, 市教科院) answers as
accounts.access.ROUTES declares — anonymous to the sign-in page unless the route is public, a
declared role never refused, any other role refused (403, or 404 where the page discloses nothing)
— and a page view writes nothing. A route with no declaration fails here."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import access
from tests.accounts.routes import ROLES, answer, role_users, routes


def test_every_route_has_a_declared_policy_and_every_declaration_a_route():
    walked = set(routes())
    assert len(walked) > 100
    assert sorted(walked - set(access.ROUTES)) == [], "routes without a policy in accounts.access.ROUTES"
    assert sorted(set(access.ROUTES) - walked) == [], "policies of routes that no longer exist"


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "django_session" not in q["sql"] and "accounts_exportdownload" not in q["sql"]]
# A download of personal data writes its one audit row on purpose (accounts.downloads.records_download,
# append-only); nothing else a GET does may write.


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(access.ROUTES))
def test_each_role_gets_the_declared_answer(route):
    url = routes()[route]
    users = role_users()
    policy = access.ROUTES[route]
    seen = {}
    for role in ROLES:
        client = Client()
        if users[role] is not None:
            client.force_login(users[role])
        with CaptureQueriesContext(connection) as queries:
            kind, status, method = answer(client, url)
        seen[role] = (kind, status)
        assert kind != "error", (route, role, status)
        if method == "get":
            assert _writes(queries.captured_queries) == [], (route, role, "a GET wrote")
        if policy == access.PUBLIC:
            continue
        if role == "anonymous":
            assert kind == "login", (route, seen)
        elif access.may_open(users[role], route):
            assert kind == "allowed", (route, role, seen)
        else:
            assert status in (403, 404), (route, role, seen)


def test_the_policy_reads_roles_not_names(db):
    users = role_users()
    assert access.may_open(users["teacher"], "reviews:my_entries")
    assert not access.may_open(users["school_admin"], "reviews:my_entries")
    assert not access.may_open(users["teacher"], "no-such-route")
    assert access.may_open(None, "verify") and not access.may_open(None, "home")


def test_every_menu_link_is_a_route_its_role_may_open(db):
    from reviews.templatetags.web import MENU, SOON
    from reviews.workflow import steps_of_role

    users = role_users()
    for role, links in MENU:
        names = [name for name, _, _ in links if name is not SOON] + ["reviews:queue"] * len(steps_of_role(role))
        refused = [name for name in names if not access.may_open(users[role], name)]
        assert refused == [], role
