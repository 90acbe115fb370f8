# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    BANSO_VAR_DIR=/var/lib/banso

# Node for the front-end packages, gettext, and Pango with Japanese fonts for the
# monthly report PDF (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm gettext \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/bootstrap.txt \
    && uv pip sync --system --no-cache requirements/base.txt

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

COPY . .
# collectstatic needs no secret: it runs on the base settings, not production's.
RUN DJANGO_SETTINGS_MODULE=config.settings.base python manage.py collectstatic --no-input \
    && useradd --system --home /app banso \
    && mkdir -p /var/lib/banso && chown banso /var/lib/banso

USER banso
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
