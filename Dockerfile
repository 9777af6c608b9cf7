# Production image: gunicorn serves the app, whitenoise the static files; runs as a non-root user.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN groupadd --system recall && useradd --system --gid recall --home /app --shell /usr/sbin/nologin recall
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=recall:recall . .
# collectstatic needs settings that import; these build-time values are never used at run time.
RUN SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build:6379/0 \
    RECALL_IIN_KEY=build RECALL_ENCRYPTION_KEYS=YnVpbGQtYnVpbGQtYnVpbGQtYnVpbGQtYnVpbGQtYnU= \
    python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media && chown recall:recall /app/media

USER recall
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
