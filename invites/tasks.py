"""Background tasks of the invites app (django.tasks; the backend is settings.TASKS).

Locally and in tests they run at once in the enqueuing process (ImmediateBackend); in preview
and prod they wait in the database for `manage.py db_worker` (django-tasks-db).
"""

import math
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from invites import sending

# A big batch is queued as several tasks so that several workers can share it; every task
# claims rows until none are left, so extra tasks only cost a few queries.
INVITES_PER_TASK = 1000
MAX_TASKS_PER_BATCH = 4


def _watchdog(task_to_repeat, **kwargs) -> None:
    """Queues a later run of the same task, for when this worker dies mid-batch.

    A worker killed while running a task leaves its queue entry "running" for ever, so
    nothing else would pick the batch up. The later run finds the dead worker's claims stale,
    releases them and finishes; if this run finishes instead, the later one finds nothing to do
    and queues nothing more. Only backends that can defer a task (the database one) need this:
    ImmediateBackend runs inside the process that enqueued.
    """
    if not task_to_repeat.get_backend().supports_defer:
        return
    # Just past the point where claims made now turn stale. A claim made later (after earlier
    # chunks) may still look fresh then: that run sees work outstanding and queues another.
    run_after = timezone.now() + sending.stale_after() + timedelta(seconds=1)
    task_to_repeat.using(run_after=run_after).enqueue(**kwargs)


@task
def send_invite_batch(batch_id: int) -> dict:
    """Sends the batch's pending invite e-mails (DESIGN.md, "Bulk invite")."""
    if sending.invites_outstanding(sending.send_scope(batch_id=batch_id)):
        _watchdog(send_invite_batch, batch_id=batch_id)
    return sending.invites_send(batch_id=batch_id).as_dict()


@task
def send_invites(invite_ids: list[int]) -> dict:
    """Sends the pending e-mails of these invites (the admin's "Resend" action)."""
    if sending.invites_outstanding(sending.send_scope(invite_ids=invite_ids)):
        _watchdog(send_invites, invite_ids=invite_ids)
    return sending.invites_send(invite_ids=invite_ids).as_dict()


def enqueue_batch_send(*, batch_id: int, count: int) -> int:
    """Queues the sending of a batch with `count` e-mails waiting; returns how many tasks."""
    tasks = max(1, min(MAX_TASKS_PER_BATCH, math.ceil(count / INVITES_PER_TASK)))
    for _ in range(tasks):
        send_invite_batch.enqueue(batch_id=batch_id)
    return tasks


def enqueue_invites_send(*, invite_ids: list[int]) -> None:
    send_invites.enqueue(invite_ids=invite_ids)
