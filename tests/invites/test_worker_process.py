"""The send task through the database backend and real `manage.py db_worker` processes on
PostgreSQL, as in preview and prod. E-mail goes to files so this process can count what every
worker sent (tests/invites/worker_settings.py)."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django_tasks_db.models import DBTaskResult

from invites import sending, services
from invites.models import Invite, SendStatus
from invites.parsing import Row
from tests import live

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    """This process enqueues into the database, as preview and prod do."""
    settings.TASKS = DB_TASKS


@pytest.fixture
def workers(tmp_path):
    """Starts db_worker processes; stops whatever is left at the end of the test."""
    started = []
    mail_dir = tmp_path / "mail"

    def start(*, delay=0.0, stale=600, batch=True):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.invites.worker_settings",
            "DATABASE_URL": live.test_database_url(),
            "REDIS_URL": django_settings.REDIS_URL,
            "INVITES_TEST_MAIL_DIR": str(mail_dir),
            "INVITES_TEST_MAIL_DELAY": str(delay),
            "INVITES_TEST_STALE_SECONDS": str(stale),
        }
        args = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"]
        args += ["--batch"] if batch else ["--interval", "0.2"]
        proc = subprocess.Popen(
            args, cwd=live.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        started.append(proc)
        return proc

    start.mail_dir = mail_dir
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def finish(proc, timeout=90):
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    output = proc.stdout.read().decode()
    assert proc.returncode == 0, output
    return output


def recipients(mail_dir):
    """Every recipient of every message any worker wrote, one entry per message."""
    found = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        found += re.findall(r"^To: (.+?)\r?$", path.read_text(), flags=re.MULTILINE)
    return Counter(found)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def make_batch(n, role="student"):
    return services.invite_batch_create(
        rows=[Row(email=f"p{i}@example.com") for i in range(n)], role=role
    ).batch


def test_a_batch_is_queued_in_the_database_and_sent_by_a_db_worker_process(database_tasks, workers):
    batch = make_batch(5)

    task_row = DBTaskResult.objects.get()
    assert task_row.task_path == "invites.tasks.send_invite_batch"
    assert task_row.status == "READY"
    assert set(batch.invites.values_list("send_status", flat=True)) == {SendStatus.PENDING}

    finish(workers())

    assert set(batch.invites.values_list("send_status", flat=True)) == {SendStatus.SENT}
    assert recipients(workers.mail_dir) == Counter(f"p{i}@example.com" for i in range(5))
    task_row.refresh_from_db()
    assert task_row.status == "SUCCESSFUL"
    assert task_row.return_value["sent"] == 5
    # The watchdog waits for its time; a --batch worker leaves it queued.
    watchdog = DBTaskResult.objects.exclude(pk=task_row.pk).get()
    assert watchdog.status == "READY" and watchdog.args_kwargs["kwargs"] == {"batch_id": batch.pk}


def test_two_worker_processes_on_one_batch_send_each_invite_exactly_once(database_tasks, workers):
    batch = make_batch(2000)  # queued as two tasks, one per worker
    assert DBTaskResult.objects.count() == 2

    first, second = workers(delay=0.002), workers(delay=0.002)
    finish(first)
    finish(second)

    sent = recipients(workers.mail_dir)
    assert len(sent) == 2000
    assert set(sent.values()) == {1}
    assert set(batch.invites.values_list("send_status", "send_attempts")) == {(SendStatus.SENT, 1)}
    per_task = [
        r.return_value["sent"]
        for r in DBTaskResult.objects.filter(status="SUCCESSFUL", return_value__isnull=False)
    ]
    assert len(per_task) == 2 and min(per_task) > 0  # both workers sent part of it
    assert sum(per_task) == 2000


def test_a_batch_whose_worker_was_killed_is_finished_by_the_next_worker(database_tasks, workers):
    batch = make_batch(60)
    invites = Invite.objects.filter(batch=batch)

    doomed = workers(delay=0.05, stale=2, batch=False)
    wait_for(lambda: invites.filter(send_status=SendStatus.SENT).count() >= 10, 60, "sends")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    left = invites.filter(send_status=SendStatus.SENDING).count()
    assert left > 0  # the rest of its chunk is stranded as "sending"

    rescuer = workers(stale=2, batch=False)
    wait_for(
        lambda: (
            not invites.filter(send_status__in=[SendStatus.PENDING, SendStatus.SENDING]).exists()
        ),
        60,
        "the next worker to finish the batch",
    )
    rescuer.send_signal(signal.SIGTERM)
    rescuer.wait(timeout=20)

    sent = recipients(workers.mail_dir)
    assert max(sent.values()) == 1  # nobody got the invite twice
    failed = list(invites.filter(send_status=SendStatus.FAILED))
    assert [f.last_error for f in failed] == [sending.IN_DOUBT]  # the one being sent at death
    for invite in invites.filter(send_status=SendStatus.SENT):
        assert sent[invite.email] == 1
    assert invites.filter(send_status=SendStatus.SENT).count() == 59
