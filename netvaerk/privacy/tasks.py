from celery import shared_task

from . import retention as retention_service


@shared_task(name="netvaerk.privacy.tasks.retention", ignore_result=True)
def retention() -> int:
    """The nightly retention job (see ``netvaerk.privacy.retention``)."""
    result = retention_service.run()
    return sum(len(branch.anonymised) for branch in result.branches)
