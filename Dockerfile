# The application image: gunicorn, the Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

# CJK fonts and WeasyPrint's Pango for the PDFs.
RUN apt-get update && apt-get install -y --no-install-recommends \
        fonts-noto-cjk fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, pinned by the lock file: this layer is rebuilt only when they change.
# pyproject.toml lists the runtime dependencies (no packages of its own); the lock pins them.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock .

# The code (.dockerignore keeps out .git, .venv, .env, media, the database, keys and artifacts).
COPY . .

# An unprivileged user owns only what it writes: media and the collected static files.
RUN groupadd --system --gid 10001 jixiao \
    && useradd --system --uid 10001 --gid jixiao --home-dir /app --shell /usr/sbin/nologin jixiao \
    && mkdir -p /data/media /data/signing /app/staticfiles \
    && DEBUG=off SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && chown -R jixiao:jixiao /data /app/staticfiles
USER jixiao

ENV DEBUG=off MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "jixiao.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
