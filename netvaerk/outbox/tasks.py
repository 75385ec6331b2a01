from celery import shared_task

from . import services


@shared_task(name="netvaerk.outbox.tasks.send_emails", ignore_result=True)
def send_emails(email_ids: list[int]) -> dict[int, str]:
    """A batch of mails over one SMTP connection, claimed in one UPDATE, each row with its own token."""
    return services.deliver_batch(email_ids)


@shared_task(name="netvaerk.outbox.tasks.send_email", ignore_result=True)
def send_email(email_id: int) -> str:
    """One mail; kept for tasks published before batches existed."""
    return services.deliver(email_id)


@shared_task(name="netvaerk.outbox.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    return services.sweep()
