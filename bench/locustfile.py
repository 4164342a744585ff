"""HTTP load run over a generated city (issue 15, Build 2(e)): real sessions through the login
form, a mix of 40% teacher home, 25% teacher entries, 20% the school's first-review queue and 15%
``/api/entries/`` as a school admin. Bounded in time; prints requests/s, p50/p95 and errors.

It measures capacity: each simulated user sends its next request as soon as the last one is
answered (no think time), so requests/s is what the server sustains, not what the users ask for
(with 0.1–0.5 s of think time 8 users can never ask for more than ~25/s). FastHttpUser
(geventhttpclient) because the load tool shares the machine's cores with the server.

    export DATABASE_URL=postgres://…/jx_city DEBUG=off ALLOWED_HOSTS=127.0.0.1 SECRET_KEY=… \\
        SECURE_SSL_REDIRECT=off STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage
    .venv/bin/gunicorn jixiao.wsgi:application -b 127.0.0.1:8106 -w 3 &
    .venv/bin/locust -f bench/locustfile.py --headless \\
        -H http://127.0.0.1:8106 -u 16 -r 4 -t 45s

The accounts are picked from the city's database before the run (the same DATABASE_URL);
every generated account has the password ``bench.city.BENCH_PASSWORD``.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from pathlib import Path

from locust import FastHttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ACCOUNTS: dict[str, list[str]] = {"teacher": [], "school_admin": []}
_next = {}


@events.init.add_listener
def _pick_accounts(environment, **kwargs):
    """Up to 200 plain teachers and 50 school admins of the city, read once through Django."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    import django

    django.setup()
    from accounts.models import Role, RoleAssignment, TeacherProfile

    others = RoleAssignment.objects.exclude(role=Role.TEACHER).values("user_id")
    ACCOUNTS["teacher"] = list(TeacherProfile.objects.exclude(user_id__in=others).filter(user__is_active=True)
                               .order_by("id").values_list("user__username", flat=True)[:200])
    ACCOUNTS["school_admin"] = list(RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN).order_by("id")
                                    .values_list("user__username", flat=True)[:50])
    for role, names in ACCOUNTS.items():
        _next[role] = itertools.cycle(names)


def _login(client, username: str) -> None:
    from bench.city import BENCH_PASSWORD

    page = client.get("/accounts/login/", name="login form")
    _plain_http(client)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    client.post("/accounts/login/", {"username": username, "password": BENCH_PASSWORD,
                                     "csrfmiddlewaretoken": token.group(1) if token else ""},
                headers={"Referer": client.base_url + "/accounts/login/"}, name="login")
    _plain_http(client)


def _plain_http(client) -> None:
    """With DEBUG off the session and CSRF cookies are Secure; on plain-HTTP loopback (no TLS
    proxy in front) the client keeps sending them anyway."""
    for cookie in client.cookiejar:
        cookie.secure = False


class Teacher(FastHttpUser):
    weight = 65  # 40% home + 25% entries of the mix
    wait_time = constant(0)

    def on_start(self):
        _login(self.client, next(_next["teacher"]))

    @task(40)
    def home(self):
        self.client.get("/", name="teacher home")

    @task(25)
    def entries(self):
        self.client.get("/reviews/entries/", name="teacher entries")


class SchoolAdmin(FastHttpUser):
    weight = 35  # 20% queue + 15% API list
    wait_time = constant(0)

    def on_start(self):
        _login(self.client, next(_next["school_admin"]))

    @task(20)
    def queue(self):
        self.client.get("/reviews/queue/school_review/", name="school queue")

    @task(15)
    def api_entries(self):
        self.client.get("/api/entries/", name="/api/entries/ (school admin)")
