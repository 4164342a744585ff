"""The access matrix, generated: every route of the URL configuration and of the API router ×
every role (anonymous, 教师, 校管理员, 分管校长, 基地校管理员, 区县管理员, 市教科院) answers as
accounts.access.ROUTES declares — anonymous to the sign-in page unless the route is public, a
declared role never refused, any other role refused (403, or 404 where the page discloses nothing)
— and a page view writes nothing. A route with no declaration fails here.

Then the object dimension: every route whose path names an object, with a real object inside and
outside each role's scope (tests/accounts/scopes.py): inside, a role that acts there is answered
(200, or the redirect / 400 / 405 / 409 a page gives an empty POST), any other role 403/404;
outside, every role 403/404 and nothing written. A route naming an object with no row there fails."""

from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import access
from accounts.models import Role
from tests.accounts.routes import ROLES, answer, patterns, role_users, routes, url_of
from tests.accounts.scopes import NATURAL, OBJECTS, OWN, World


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


# --- The object dimension: every route whose path names an object × every role × an object inside
# and outside that role's scope (tests/accounts/scopes.py states the scopes from the organisation).


def test_every_route_naming_an_object_has_a_row():
    from tests.accounts.scopes import object_args

    naming = {name for name, p in patterns().items() if object_args(p)}
    assert len(naming) > 40
    assert sorted(naming - set(OBJECTS)) == [], "routes naming an object without a row in tests/accounts/scopes.py"
    assert sorted(set(OBJECTS) - naming) == [], "rows of routes that name no object (or no longer exist)"
    for name, row in OBJECTS.items():
        assert object_args(patterns()[name]) == [row.arg], name


@contextmanager
def _rolled_back():
    """Each request on its own object, undone after: a POST that acts inside its scope leaves the
    next role the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _state(obj):
    return list(type(obj).objects.filter(pk=obj.pk).values())


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(OBJECTS))
def test_each_role_reaches_the_objects_of_its_scope_only(route, clock):
    from django.core.cache import cache

    row, pattern = OBJECTS[route], patterns()[route]
    if row.day:
        clock.set(row.day)
    w = World()
    wrong, acted = [], False
    for role in ROLES:
        user = w.users[role]
        client = Client()
        if user is None:
            cases = [("login", place) for place in w.inside(Role.TEACHER, OWN)]
        else:
            client.force_login(user)
            scope = row.actors.get(role)
            if scope is not None:
                assert access.may_open(user, route), (route, role, "acts on the object but may not open the route")
            expected = "reached" if scope is not None else "refused"
            scope = scope or NATURAL[role]
            cases = [(expected, p) for p in w.inside(role, scope)] + [("refused", p) for p in w.outside(scope)]
        for expected, place in cases:
            with _rolled_back():
                obj = row.make(w, place)
                url = url_of(route, pattern, **{row.arg: obj.pk})
                before = _state(obj)
                with CaptureQueriesContext(connection) as queries:
                    kind, status, method = answer(client, url)
                writes, after = _writes(queries.captured_queries), _state(obj)
                if row.body is not None and expected != "login":
                    # The page's acting POST as well: refused, it writes nothing either.
                    with CaptureQueriesContext(connection) as queries:
                        posted = client.post(url, row.body(w, obj)).status_code
                    post_writes = _writes(queries.captured_queries)
                    acted |= expected == "reached" and bool(post_writes)
                    if expected == "refused" and (posted not in (403, 404) or post_writes or _state(obj) != before):
                        wrong.append((role, expected, place.school.name, "post", posted, "acting POST", post_writes))
            cache.clear()
            where = (role, expected, place.school.name, "own" if place.own else "", method, status)
            if kind == "error":
                wrong.append((*where, "error"))
            elif expected == "login":
                if kind != "login":
                    wrong.append(where)
            elif expected == "reached":
                if status in (403, 404) or kind != "allowed":
                    wrong.append(where)
                elif method == "get" and writes:
                    wrong.append((*where, "a GET wrote", writes))
            elif status not in (403, 404):
                wrong.append(where)
            elif writes or after != before:
                wrong.append((*where, "refused but wrote", writes))
    assert not wrong, "\n".join(map(str, [route, *wrong]))
    # The acting POST is one that acts: sent by a role of the scope, it writes.
    assert row.body is None or acted, (route, "the acting POST wrote nothing for any role that reaches the object")
