"""manage.py send_invites FILE.csv --role ROLE [--expires-in-days N] [--dry-run]"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from instainstru.api import ApplicationError
from invites import services
from invites.parsing import MAX_ADDRESSES, MAX_FILE_BYTES, file_too_large, parse_csv
from invites.selectors import REASONS, invite_batch_plan, invite_batch_progress

BAR_WIDTH = 30


def progress_bar(done, total):
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,}"


class Command(BaseCommand):
    help = (
        "Invite everyone in a CSV file (a header row with an 'email' column, optionally 'role' "
        f"and 'name'; UTF-8; at most {MAX_FILE_BYTES // 1024 // 1024} MB and {MAX_ADDRESSES:,} "
        "addresses) as one batch, the way the admin's 'Send invites' page does: the batch is "
        "written in one transaction and its e-mails are sent by background workers. Shows the "
        "sending progress until it is done (Ctrl+C stops watching, not sending). With --dry-run "
        "it only reports what it would do."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument(
            "--role",
            required=True,
            choices=Role.values,
            help="The role of every row that does not name its own.",
        )
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=14,
            help="Days until the invites expire, 1 to 180 (default: 14).",
        )
        parser.add_argument("--source", default="", help="Where these people come from.")
        parser.add_argument(
            "--created-by", help="The staff e-mail to record as the batch's author."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would be sent; write nothing.",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Return once the batch is queued instead of following the sending.",
        )
        parser.add_argument(
            "--poll", type=float, default=1.0, help="Seconds between progress checks."
        )

    def handle(self, *args, file, role, expires_in_days, source, created_by, dry_run, **options):
        if not 1 <= expires_in_days <= 180:
            raise CommandError("--expires-in-days must be between 1 and 180.")
        if len(source) > 40:
            raise CommandError("--source is at most 40 characters.")
        author = self._author(created_by)
        rows = self._read(file)

        plan = invite_batch_plan(rows, role=role)
        counts = plan.counts()
        self.stdout.write(f"{file}: {counts['submitted']:,} address(es), {counts['valid']:,} valid")
        for reason in REASONS:
            if counts[reason]:
                self.stdout.write(f"  {reason}: {counts[reason]:,}")
        if options["verbosity"] > 1:
            for r in plan.rejected:
                self.stdout.write(f"  - {r.email or '(blank)'}: {r.reason}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written and nothing was sent.")
            return
        if not plan.accepted:
            self.stdout.write(self.style.WARNING("Nothing to send."))

        try:
            result = services.invite_batch_create(
                rows=rows,
                role=role,
                expires_in_days=expires_in_days,
                source=source,
                created_by=author,
                via="cli",
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        batch = result.batch
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch {batch.pk} written: {len(result.plan.accepted):,} invite(s) queued, "
                f"{len(result.plan.rejected):,} rejected."
            )
        )
        if options["no_wait"] or not result.plan.accepted:
            return
        self._follow(batch, poll=options["poll"])

    def _author(self, email):
        if not email:
            return None
        user = User.objects.filter(email=User.objects.normalize_email(email)).first()
        if user is None or not user.is_staff:
            raise CommandError(f"--created-by: no staff account {email}.")
        return user

    def _read(self, file):
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                raise file_too_large(size)
            return parse_csv(file.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc

    def _follow(self, batch, *, poll):
        """Draws the progress of the workers' sending until nothing is left to send."""
        interactive = self.stdout.isatty()
        if not interactive:
            self.stdout.write("Sending (Ctrl+C stops watching; the sending goes on):")
        last = None
        try:
            while True:
                progress = invite_batch_progress(batch)
                done = progress["sent"] + progress["failed"]
                total = progress["total"] - progress["cancelled"]
                line = f"{progress_bar(done, total)} {progress['status']}"
                if line != last:
                    if interactive:
                        self.stdout.write(f"\r{line}", ending="")
                        self.stdout.flush()
                    else:
                        self.stdout.write(line)
                    last = line
                if progress["status"] not in ("queued", "sending"):
                    break
                time.sleep(poll)
        except KeyboardInterrupt:
            self.stdout.write("\nStopped watching; the workers go on sending.")
            return
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            f"Sent {progress['sent']:,}, failed {progress['failed']:,} of {progress['total']:,}."
        )
        for failure in progress["failures"][:20]:
            self.stdout.write(f"  - {failure['email']}: {failure['reason']}")
        if progress["failed"]:
            self.stdout.write(f"Resend the failed ones from the admin's page of batch {batch.pk}.")
