"""Checks a live deployment over HTTP, from outside, as a browser would (API.md "Smoke checks")."""

import json
import os

from django.core.management.base import BaseCommand, CommandError

from beta import smoke

# Exit statuses: 0 every check passed or was skipped, 1 a check failed, 2 the run could not
# happen (bad option, no answer). Scripts tell "the beta is broken" from "the check is".
CANNOT_RUN = 2

STATUS_LABELS = {smoke.PASS: "PASS", smoke.FAIL: "FAIL", smoke.SKIP: "SKIP"}


class Command(BaseCommand):
    help = (
        "Check a live InstaInstru server over HTTP: health, site headers, CORS, cookie names and "
        "flags, auth, guest session and search history, invite-only registration, the beta "
        "phase gate, role gates on bookings, the rate-limit exemptions and, in preview, the "
        "staff gate. Prints a table of checks (pass, fail or skip, and what it saw) and exits 1 "
        "when any check fails, 2 when it cannot run. Needs no database and changes no setting; "
        "it creates no account, and the search entry it records is named 'smoke-check <id>' "
        "and deleted. Checks that need an account it was not given are skipped. Passwords are "
        "better given as SMOKE_STAFF_PASSWORD, SMOKE_STUDENT_PASSWORD, "
        "SMOKE_INSTRUCTOR_PASSWORD (and the matching *_EMAIL) than on the command line."
    )
    # Nothing of this project is checked here: the server under test is somewhere else.
    requires_system_checks = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message):
            # argparse prints the whole usage block first; operators' scripts want one line.
            if parser.called_from_command_line:
                parser.exit(CANNOT_RUN, f"{parser.prog}: error: {message} (see --help)\n")
            raise CommandError(f"Error: {message}", returncode=CANNOT_RUN)

        parser.error = one_line_error
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", required=True, help="The server's URL, e.g. https://api.instainstru.com"
        )
        parser.add_argument(
            "--origin",
            help="The front end's origin, sent as Origin (e.g. https://beta.instainstru.com). "
            "Without it the CORS allow check is skipped and requests carry the server's own "
            "origin.",
        )
        parser.add_argument(
            "--assume-https",
            action="store_true",
            help="For a server on plain HTTP behind a TLS proxy: send X-Forwarded-Proto: https "
            "and keep Secure cookies.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON document and nothing else."
        )
        for role in smoke.ROLES:
            upper = role.upper()
            parser.add_argument(
                f"--{role}-email", help=f"A {role} account's e-mail (or SMOKE_{upper}_EMAIL)."
            )
            parser.add_argument(
                f"--{role}-password",
                help=f"Its password (or SMOKE_{upper}_PASSWORD, which stays out of `ps`).",
            )

    def handle(self, *args, **options):
        try:
            config = smoke.build_config(
                base_url=options["base_url"],
                origin=options["origin"],
                assume_https=options["assume_https"],
                credentials={
                    role: (options[f"{role}_email"], options[f"{role}_password"])
                    for role in smoke.ROLES
                },
                environ=os.environ,
            )
        except smoke.UsageError as exc:
            raise CommandError(str(exc), returncode=CANNOT_RUN) from None

        try:
            report = smoke.run_smoke(config)
        except smoke.Unreachable as exc:
            raise CommandError(
                f"{config.base_url} is unreachable: {exc}", returncode=CANNOT_RUN
            ) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted", returncode=CANNOT_RUN) from None
        except Exception as exc:
            if options["traceback"]:
                raise
            raise CommandError(
                f"smoke_check itself failed ({type(exc).__name__}: {exc}); rerun with "
                "--traceback to see where",
                returncode=CANNOT_RUN,
            ) from None

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.print_table(report)
        if not report.ok:
            failed = report.counts()[smoke.FAIL]
            raise CommandError(f"{failed} check(s) failed", returncode=1)

    def print_table(self, report):
        styles = {
            smoke.PASS: self.style.SUCCESS,
            smoke.FAIL: self.style.ERROR,
            smoke.SKIP: self.style.WARNING,
        }
        self.stdout.write(
            f"smoke_check {report.base_url}: site mode {report.site_mode}, phase {report.phase}\n"
        )
        width = max(len(c.name) for c in report.checks)
        for check in report.checks:
            label = styles[check.status](f"{STATUS_LABELS[check.status]:<4}")
            self.stdout.write(f"  {label}  {check.name:<{width}}  {check.detail}")
        counts = report.counts()
        self.stdout.write(
            f"\n{counts[smoke.PASS]} passed, {counts[smoke.FAIL]} failed, "
            f"{counts[smoke.SKIP]} skipped: " + ("OK" if report.ok else "FAILED")
        )
