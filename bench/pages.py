"""Page benchmarks (issue 15, Build 2(b)): server time p50/p95 and SQL queries of each page of the
issue's table, logged in as its role, against the configured database (a generated city).

Requests go through Django's test Client with DEBUG off, so the figures are the server's time
(middleware, view, template) without the network or a WSGI server. The users are real accounts
of the generated city: the largest district's admin, the admin of its largest school, a plain
teacher of that school, and a city staff member. Benchmarks print figures and never fail: a
page that errors is reported with its status and the run goes on.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from reviews.workflow import DISTRICT_REVIEW

# (key, label, role, url name or path, args, query string, target p95 in ms)
PAGES = [
    ("teacher_home", "teacher home", "teacher", "home", (), "", 50),
    ("teacher_entries", "teacher entries", "teacher", "reviews:my_entries", (), "", 50),
    ("school_home", "school admin home", "school_admin", "home", (), "", 100),
    ("school_compliance", "school compliance", "school_admin", "reports:compliance", (), "", 100),
    ("school_compliance_xlsx", "school compliance xlsx", "school_admin", "reports:compliance", (), "format=xlsx", 1000),
    ("district_queue", "district second-review queue", "district_admin", "reviews:queue", (DISTRICT_REVIEW,), "", 100),
    ("district_dashboard", "district dashboard", "district_admin", "reports:dashboard", (), "", 100),
    ("api_entries_district", "/api/entries/ as district admin", "district_admin", "/api/entries/", (), "", 100),
    ("api_entries_school", "/api/entries/ as school admin", "school_admin", "/api/entries/", (), "", 100),
    ("city_home", "city home", "city_staff", "home", (), "", 100),
    ("city_dashboard", "city dashboard", "city_staff", "reports:dashboard", (), "", 100),
]
QUERY_TARGET = 15


@dataclass
class PageFigures:
    key: str
    label: str
    role: str
    url: str
    target_ms: int
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    sql_ms: list[float] = field(default_factory=list)  # time in the database per request
    slowest: str = ""  # the slowest statement of the last request (for --slowest)
    status: int = 0
    error: str = ""

    @property
    def p50(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None

    @property
    def p95(self) -> float | None:
        if not self.times_ms:
            return None
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "role": self.role, "url": self.url, "requests": len(self.times_ms),
                "p50_ms": _r(self.p50), "p95_ms": _r(self.p95), "queries": self.queries,
                "sql_p50_ms": _r(statistics.median(self.sql_ms)) if self.sql_ms else None, "status": self.status,
                "target_p95_ms": self.target_ms, "error": self.error}


def _r(v):
    return None if v is None else round(v, 1)


def bench_users() -> dict:
    """Real users of the generated city, one per role of the table (None where the city has none)."""
    from django.db.models import Count

    from accounts.models import Role, RoleAssignment, School, TeacherProfile

    district_id = (TeacherProfile.objects.filter(school__district__isnull=False).values("school__district_id")
                   .annotate(n=Count("id")).order_by("-n", "school__district_id").values_list("school__district_id", flat=True)
                   .first())
    users: dict = {}
    ra = RoleAssignment.objects.filter(role=Role.DISTRICT_ADMIN, district_id=district_id).select_related("user").order_by("id").first()
    users["district_admin"] = ra.user if ra else None
    school_id = (School.objects.filter(district_id=district_id).annotate(n=Count("teachers"))
                 .order_by("-n", "id").values_list("id", flat=True).first())
    ra = RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, school_id=school_id).select_related("user").order_by("id").first()
    users["school_admin"] = ra.user if ra else None
    # A plain teacher (no other role) of that school: the teacher pages as most users see them.
    others = RoleAssignment.objects.exclude(role=Role.TEACHER).values("user_id")
    profile = (TeacherProfile.objects.filter(school_id=school_id, user__is_active=True).exclude(user_id__in=others)
               .select_related("user").order_by("id").first())
    users["teacher"] = profile.user if profile else None
    ra = RoleAssignment.objects.filter(role=Role.CITY_STAFF).select_related("user").order_by("id").first()
    users["city_staff"] = ra.user if ra else None
    return users


def run(*, requests: int = 20, only: list[str] | None = None, out=None) -> list[PageFigures]:
    """Measure every page (or those in `only`): one warm-up request, then `requests` timed ones;
    the query count is that of the last request."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    users = bench_users()
    results = []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"]):
        clients = {}
        for role, user in users.items():
            if user is not None:
                c = Client(raise_request_exception=False)
                c.force_login(user)
                clients[role] = c
        for key, label, role, name, args, query, target in PAGES:
            if only and key not in only:
                continue
            url = name if name.startswith("/") else reverse(name, args=args)
            if query:
                url = f"{url}?{query}"
            fig = PageFigures(key=key, label=label, role=role, url=url, target_ms=target)
            results.append(fig)
            client = clients.get(role)
            if client is None:
                fig.error = f"城市中没有 {role} 账号"
                continue
            try:
                client.get(url)  # warm-up: caches, the connection, the footer
                for _ in range(requests):
                    reset_queries()
                    with CaptureQueriesContext(connection) as ctx:
                        started = time.perf_counter()
                        response = client.get(url)
                        if hasattr(response, "streaming_content"):
                            b"".join(response.streaming_content)
                        fig.times_ms.append((time.perf_counter() - started) * 1000)
                    fig.queries = len(ctx.captured_queries)
                    fig.sql_ms.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
                    if ctx.captured_queries:
                        top = max(ctx.captured_queries, key=lambda q: float(q["time"]))
                        fig.slowest = f"{float(top['time']) * 1000:.1f} ms: {top['sql'][:600]}"
                    fig.status = response.status_code
                    if response.status_code != 200:
                        fig.error = f"HTTP {response.status_code}"
                        break
            except Exception as exc:  # a benchmark reports, it does not fail
                fig.error = f"{type(exc).__name__}: {exc}"[:200]
            if out is not None:
                out.write(_line(fig) + "\n")
                out.flush()
    return results


HEADER = f"{'page':<34} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'SQL ms':>8} {'target p95':>11}"


def _line(fig: PageFigures) -> str:
    if fig.error and not fig.times_ms:
        return f"{fig.label:<34} {'—':>9} {'—':>9} {'—':>8} {'—':>8} {fig.target_ms:>8} ms  {fig.error}"
    flag = "ok" if (fig.p95 or 0) <= fig.target_ms and fig.queries <= QUERY_TARGET else "MISS"
    note = f"  {fig.error}" if fig.error else ""
    sql = statistics.median(fig.sql_ms) if fig.sql_ms else 0.0
    return (f"{fig.label:<34} {fig.p50:>9.1f} {fig.p95:>9.1f} {fig.queries:>8} {sql:>8.1f} {fig.target_ms:>8} ms  "
            f"{flag}{note}")


def table(results: list[PageFigures]) -> str:
    lines = [HEADER, "-" * len(HEADER)] + [_line(f) for f in results]
    lines.append(f"(targets: p95 as listed, ≤ {QUERY_TARGET} SQL queries a page)")
    return "\n".join(lines)


def city_size() -> dict:
    from django.db import connection

    from accounts.models import School, TeacherProfile
    from credits.models import CreditEntry

    if connection.vendor == "postgresql":
        # The planner's estimate: exact counts of millions of rows are what this work avoids.
        with connection.cursor() as cur:
            cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'credits_creditentry'")
            entries = int(cur.fetchone()[0])
    else:
        entries = CreditEntry.objects.count()
    return {"teachers": TeacherProfile.objects.count(), "schools": School.objects.count(), "entries": entries,
            "database": connection.vendor}
