# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NETVAERK_VAR_DIR=/app/var
WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app netvaerk \
    && mkdir -p /app/var/media && chown -R netvaerk /app/var

USER netvaerk
EXPOSE 8000
CMD ["gunicorn", "netvaerk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
