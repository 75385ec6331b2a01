import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netvaerk.settings")

app = Celery("netvaerk")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every worker consumes the outbox sweeper's queue too (even one started without -Q), so a
# rescued mail never waits behind the backlog in the default queue.
app.conf.task_queues = (Queue("celery"), Queue("outbox-sweep"))
app.autodiscover_tasks(["netvaerk.outbox", "circles", "mentoring"])
