from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers; the broker is reported, never waited on for long."""
    status = {"database": "ok", "broker": _broker_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        status["database"] = "down"
    return JsonResponse(status, status=200 if status["database"] == "ok" else 503)


def _broker_status() -> str:
    if settings.REDIS_URL:
        import redis

        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
            client.ping()
        except Exception:
            return "down"
        return "ok"
    if settings.CELERY_FILESYSTEM_BROKER:
        return "ok" if settings.CELERY_BROKER_FOLDER.is_dir() else "down"
    return "inline"
