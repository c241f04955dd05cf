from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search_history.services import search_history_purge


def positive_int(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Deletes guests' search entries not searched for a retention period (default 30 days) "
        "and guest sessions whose cookie expired (not seen for GUEST_COOKIE_AGE), with their "
        "entries. Users' entries are kept. Deletes in small batches, each its own transaction, "
        "so it can run against a live database. Safe to run again at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=positive_int,
            default=30,
            help="Keep guest entries searched within this many days (default 30).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=1000,
            help="Rows (entries) or guests deleted per transaction (default 1000).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted, delete nothing.",
        )

    def handle(self, *args, days, batch_size, dry_run, **options):
        verbosity = options["verbosity"]
        totals = {"entries": 0, "guests": 0}

        def report_batch(kind, count):
            totals[kind] += count
            if verbosity >= 2:
                self.stdout.write(f"  deleted {count} {kind} ({totals[kind]} so far)")

        try:
            result = search_history_purge(
                retention_days=days, batch_size=batch_size, dry_run=dry_run, on_batch=report_batch
            )
        except Exception as exc:  # a database error mid-way: batches done so far stay done
            raise CommandError(f"Purge stopped after {totals}: {exc}") from exc

        guest_days = settings.GUEST_COOKIE_AGE // 86400
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {result.old_entries} guest search entries not searched for {days} days "
            f"(before {result.entries_cutoff:%Y-%m-%d %H:%M} UTC)."
        )
        self.stdout.write(
            f"{verb} {result.expired_guests} guest sessions not seen for {guest_days} days "
            f"(before {result.guests_cutoff:%Y-%m-%d %H:%M} UTC), "
            f"with {result.expired_guest_entries} more search entries."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
