FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        fonts-noto-cjk fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && \
    DEBUG=off SECRET_KEY=build-only python manage.py collectstatic --noinput
ENV DEBUG=off
EXPOSE 8000
CMD ["gunicorn", "jixiao.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
