import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")

app = Celery("jixiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="jixiao.ping")
def ping() -> str:
    """Liveness check of the broker and the workers (`celery -A jixiao call jixiao.ping`)."""
    return "pong"
