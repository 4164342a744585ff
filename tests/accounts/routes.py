"""Every route of the site and the API, walked from the URL configuration (and so the DRF router),
with arguments that fill its pattern; and one user per role. Used by the generated access matrix."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role

# A value for each kind of path argument: ids that exist nowhere (an allowed role then gets its
# 404, a refused one its 403 before any lookup), a step of the workflow, a 学年.
MISSING_ID = 987654


def _arg(name: str):
    from reviews.workflow import ENTRY_STEPS

    if name == "step":
        return ENTRY_STEPS[0].name
    if name == "start_year":
        return 2017
    if name == "code":
        return "NOSUCHCODE"
    return MISSING_ID


def _walk(patterns, ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            # An unnamed route is known by its pattern (it needs a policy all the same).
            name = p.name or str(p.pattern)
            yield (f"{ns}:{name}" if ns else name), p


def patterns() -> dict[str, URLPattern]:
    """{url name: its pattern} for every named route but the Django admin's (which keeps its own
    staff check) and the format-suffix twins of the API's."""
    out: dict[str, URLPattern] = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or name in out or "format" in pattern.pattern.regex.groupindex:
            continue
        out[name] = pattern
    return out


def url_of(name: str, pattern: URLPattern, **values) -> str:
    """The route's URL, its arguments filled with `values` and the rest by ``_arg``."""
    kwargs = {k: values[k] if k in values else _arg(k) for k in pattern.pattern.regex.groupindex}
    return reverse(name, kwargs=kwargs or None)


def routes() -> dict[str, str]:
    """{url name: a URL of it} for every route of ``patterns``, its object arguments missing ids."""
    out = {}
    for name, pattern in patterns().items():
        regex = pattern.pattern.regex.pattern
        if not pattern.name:
            out[name] = "/" + str(pattern.pattern)
            continue
        try:
            out[name] = url_of(name, pattern)
        except Exception as exc:  # pragma: no cover - a pattern this walk cannot fill is a test bug
            raise AssertionError(f"{name}: {regex}: {exc}") from exc
    return out


ROLES = ("anonymous", Role.TEACHER, Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.BASE_SCHOOL_ADMIN,
         Role.DISTRICT_ADMIN, Role.CITY_STAFF)


def role_users():
    """One user per role, each holding that role only (a teacher has a profile; the others do not)."""
    from accounts.models import BaseLevel
    from tests.factories import SchoolFactory, TeacherProfileFactory, UserFactory, grant

    # A district school that is also a 基地校, and a 市直属学校 (whose district step is the city's).
    school = SchoolFactory(name="矩阵小学", base_level=BaseLevel.DISTRICT)
    SchoolFactory(name="矩阵市直属中学", district=None)
    users = {"anonymous": None}
    teacher = TeacherProfileFactory(school=school, name="矩阵老师", status="approved").user
    teacher.save()
    users[Role.TEACHER] = grant(teacher, Role.TEACHER, school=school)
    for role in ROLES[2:]:
        user = UserFactory(username=f"matrix_{role}")
        user.save()
        if role == Role.DISTRICT_ADMIN:
            users[role] = grant(user, role, district=school.district)
        elif role == Role.CITY_STAFF:
            users[role] = grant(user, role)
        else:
            users[role] = grant(user, role, school=school)
    return users


def answer(client, url: str) -> tuple[str, int, str]:
    """("login" | "forbidden" | "allowed" | "error", status, method): GET, or POST for a POST-only route."""
    method = "get"
    response = client.get(url)
    if response.status_code == 405:
        method = "post"
        response = client.post(url, {})
    status = response.status_code
    api = url.startswith("/api/")
    location = response.get("Location", "") or ""
    if status >= 500:
        return "error", status, method
    if (status == 302 and re.match(r"^/accounts/login/", location)) or (api and status == 401):
        return "login", status, method
    if status == 403:
        return "forbidden", status, method
    return "allowed", status, method
