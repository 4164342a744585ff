"""A dropped or refused database connection answers a Chinese 503, never a traceback; with
CONN_HEALTH_CHECKS a persistent connection the server dropped is replaced before a request uses it."""

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.handlers import DATABASE_DOWN_TEXT
from tests.factories import SchoolFactory, UserFactory, grant


def test_health_checks_are_on_and_the_age_comes_from_the_environment():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.fixture
def signed_in(db):
    user = UserFactory(username="db_down")
    user.save()
    grant(user, Role.SCHOOL_ADMIN, school=SchoolFactory())
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _database_refuses():
    """Every query fails as on a dropped connection, for the duration of the `with` only (the
    test's own teardown needs the database)."""
    from unittest import mock

    from django.db.backends import utils

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    return mock.patch.object(utils.CursorWrapper, "execute", refuse)


@pytest.mark.parametrize("path", ["/", "/accounts/teachers/", "/notifications/", "/healthz/"])
def test_a_page_without_its_database_is_a_chinese_503(signed_in, path):
    with _database_refuses():
        response = signed_in.get(path)
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert DATABASE_DOWN_TEXT in body and "Traceback" not in body and "OperationalError" not in body


def test_the_api_without_its_database_is_a_chinese_503(signed_in):
    with _database_refuses():
        response = signed_in.get("/api/items/")
    assert response.status_code == 503 and response.json()["detail"] == DATABASE_DOWN_TEXT


def test_healthz_answers_ok_when_the_database_does(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok"


def _wsgi_get(path: str):
    """Through Django's real WSGI handler, so request_started/finished close or check the
    connection as in production (the test client turns that off)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    status = []
    body = b"".join(WSGIHandler()(environ, lambda s, h, *a: status.append(s)))
    return int(status[0].split()[0]), body.decode()


def _drop_server_side(pid: int) -> None:
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_costs_no_failed_request():
    saved = {k: connection.settings_dict.get(k) for k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    try:
        assert _wsgi_get("/healthz/")[0] == 200
        _drop_server_side(connection.connection.info.backend_pid)
        # Checked before use and replaced: this request succeeds.
        assert _wsgi_get("/healthz/") == (200, "ok")

        # Without the check the first request on the dead connection fails: in Chinese, not a
        # traceback, and the next request gets a new connection.
        connection.settings_dict["CONN_HEALTH_CHECKS"] = False
        connection.close()
        assert _wsgi_get("/healthz/")[0] == 200
        _drop_server_side(connection.connection.info.backend_pid)
        status, body = _wsgi_get("/healthz/")
        assert status == 503 and DATABASE_DOWN_TEXT in body
        assert _wsgi_get("/healthz/")[0] == 200
    finally:
        connection.settings_dict.update(saved)
        connection.close()
