"""The deployment files, read as Docker and nginx would (no Docker here): a real reverse proxy in
front of gunicorn with TLS and the same body limit as Django, only the proxy publishing ports,
healthchecks and restart policies, a non-root image with a cached dependency layer, and nothing
secret or local baked into it."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX_CONF = (ROOT / "deploy" / "nginx" / "jixiao.conf").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
LONG_RUNNING = ["postgres", "redis", "web", "nginx", "worker", "beat"]


def test_only_nginx_publishes_ports_and_it_fronts_gunicorn_with_tls():
    assert {name for name, svc in SERVICES.items() if svc.get("ports")} == {"nginx"}
    assert "443:443" in SERVICES["nginx"]["ports"]
    assert "server web:8000;" in NGINX_CONF
    assert "listen 443 ssl;" in NGINX_CONF and "ssl_certificate " in NGINX_CONF
    assert re.search(r"location / \{ return 301 https://", NGINX_CONF)
    assert "./deploy/nginx/jixiao.conf:/etc/nginx/conf.d/default.conf:ro" in SERVICES["nginx"]["volumes"]


def test_the_proxys_body_limit_is_djangos():
    limit = re.search(r"client_max_body_size (\d+)m;", NGINX_CONF)
    assert limit and int(limit.group(1)) * 1024 * 1024 == settings.REQUEST_MAX_BYTES


def test_static_is_served_by_nginx_and_media_never_directly():
    assert re.search(r"location /static/ \{\s+alias /app/staticfiles/;", NGINX_CONF)
    media = re.search(r"location /media/ \{([^}]*)\}", NGINX_CONF)
    assert media and "internal;" in media.group(1)
    assert "static:/app/staticfiles:ro" in SERVICES["nginx"]["volumes"]


def test_behind_the_proxy_django_trusts_one_hop_and_the_forwarded_scheme():
    env = SERVICES["web"]["environment"]
    assert env["BEHIND_TLS_PROXY"] == "on" and env["LOGIN_TRUSTED_PROXIES"] == "1"
    # nginx replaces X-Forwarded-For with the peer address: a client cannot plant a hop.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX_CONF


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_restarts(name):
    assert SERVICES[name]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "nginx", "worker"])
def test_services_have_healthchecks(name):
    assert SERVICES[name]["healthcheck"]["test"]


def test_the_healthcheck_answers_on_plain_http_whatever_the_host(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["jixiao.example.cn"]
    response = Client(HTTP_HOST="127.0.0.1").get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"


def test_the_image_runs_as_a_user_and_installs_from_the_lock_first():
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    lock = DOCKERFILE.index("COPY pyproject.toml requirements.lock ./")
    install = DOCKERFILE.index("pip install -c requirements.lock")
    code = DOCKERFILE.index("COPY . .")
    assert lock < install < code  # the dependency layer is cached until the lock changes


@pytest.mark.parametrize("kept_out", [".git", ".venv", ".env", "media/", "db.sqlite3", "var/", "deploy/certs/",
                                      "test-artifacts/"])
def test_dockerignore_keeps_secrets_and_local_data_out(kept_out):
    lines = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert kept_out in lines


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.REQUEST_MAX_BYTES = 1024
    response = client.post("/accounts/login/", data=b"x" * 2048, content_type="application/octet-stream")
    assert response.status_code == 413 and "过大" in response.content.decode()


def test_the_forwarded_scheme_is_trusted_only_behind_a_proxy():
    assert not getattr(settings, "SECURE_PROXY_SSL_HEADER", None)  # the tests run without BEHIND_TLS_PROXY
