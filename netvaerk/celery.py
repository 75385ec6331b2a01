import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netvaerk.settings")

app = Celery("netvaerk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["netvaerk.outbox", "circles", "mentoring"])
