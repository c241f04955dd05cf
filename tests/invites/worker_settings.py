"""Settings for the `manage.py db_worker` processes that tests start: settings.test, with the
database task backend of preview and prod, and e-mail written to files so the test process can
count what every worker sent (locmem's outbox lives inside one process)."""

import time

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from settings.test import *  # noqa: F403
from settings.test import env

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MAILERS = {
    "default": {
        "BACKEND": "tests.invites.worker_settings.SlowFileEmailBackend",
        "OPTIONS": {
            "file_path": env("INVITES_TEST_MAIL_DIR"),
            "delay": env.float("INVITES_TEST_MAIL_DELAY", default=0.0),
        },
    }
}
INVITES_SEND_STALE_SECONDS = env.float("INVITES_TEST_STALE_SECONDS", default=600)


class SlowFileEmailBackend(FileEmailBackend):
    """Django's file backend, optionally slowed down per message so a test can stop a worker
    in the middle of a batch."""

    def __init__(self, *args, delay=0.0, **kwargs):
        self.delay = delay
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages):
        time.sleep(self.delay)
        return super().send_messages(email_messages)
