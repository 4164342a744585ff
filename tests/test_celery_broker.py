"""With a broker configured (CI: the machine's Redis), a task really travels through it to a
worker and back. Without one, tasks run in-process and this test is deselected."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.broker


def test_a_task_round_trips_through_the_broker_to_a_worker():
    from celery.contrib.testing.worker import start_worker

    from jixiao.celery import app, ping

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = ping.delay()
            assert result.get(timeout=20) == "pong"
    finally:
        app.conf.task_always_eager = True
