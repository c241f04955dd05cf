"""manage.py send_invites FILE.csv: the same service as the admin, with progress and summary."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from invites import services
from invites.models import Invite, InviteBatch, SendStatus
from invites.parsing import MAX_FILE_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def csv_file(tmp_path):
    def write(content, name="people.csv"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)

    return write


def run(*args, capture=None):
    out = StringIO()
    if capture is None:
        call_command("send_invites", *args, stdout=out)
    else:
        with capture(execute=True):
            call_command("send_invites", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(csv_file):
    services.invite_create(email="pending@example.com", role="instructor")
    path = csv_file("email,name\nnew@example.com,New\nbad\npending@example.com\nNEW@example.com\n")

    out = run(path, "--role", "instructor", "--dry-run", "--verbosity", "2")

    assert "4 address(es), 1 valid" in out
    assert "invalid_email: 1" in out
    assert "duplicate_in_batch: 1" in out
    assert "already_invited: 1" in out
    assert "- bad: invalid_email" in out
    assert "Dry run: nothing was written" in out
    assert not InviteBatch.objects.exists()
    assert Invite.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)  # real commits: the batch is sent on commit, as live
def test_it_writes_the_batch_sends_and_shows_progress_and_a_summary(csv_file, staff):
    path = csv_file(
        "\ufeffemail,role,name\nada@example.com,instructor,Ada\nsam@example.com,,Sam\nbad,,\n"
    )

    out = run(
        path,
        "--role",
        "student",
        "--expires-in-days",
        "30",
        "--source",
        "newsletter",
        "--created-by",
        staff.email,
    )

    batch = InviteBatch.objects.get()
    assert (batch.via, batch.source, batch.created_by, batch.role) == (
        "cli",
        "newsletter",
        staff,
        "student",
    )
    assert {i.email: i.role for i in batch.invites.all()} == {
        "ada@example.com": "instructor",
        "sam@example.com": "student",
    }
    assert set(batch.invites.values_list("send_status", flat=True)) == {SendStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "sam@example.com"]
    assert f"Batch {batch.pk} written: 2 invite(s) queued, 1 rejected." in out
    assert "[##############################] 2/2 sent" in out
    assert "Sent 2, failed 0 of 2." in out


def test_no_wait_returns_once_the_batch_is_queued(csv_file, django_capture_on_commit_callbacks):
    path = csv_file("email\na@example.com\n")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        out = run(path, "--role", "student", "--no-wait")

    assert "1 invite(s) queued" in out
    assert "Sent" not in out
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (b"name\nAda\n", "header naming an"),
        (b"email\na@example.com\x00\n", "NUL"),
        (b"email\n\xff\n", "not UTF-8"),
        ("email\n" + "".join(f"p{i}@e.co\n" for i in range(10_001)), "10,001 addresses"),
    ],
    ids=["no-email-column", "nul", "not-utf8", "too-many"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_written(csv_file, content, message):
    with pytest.raises(CommandError, match=message):
        run(csv_file(content), "--role", "student")
    assert not InviteBatch.objects.exists() and not Invite.objects.exists()


def test_a_file_over_5_mb_is_refused_before_it_is_read(csv_file):
    path = csv_file(b"email\n" + b"x" * MAX_FILE_BYTES)
    with pytest.raises(CommandError, match="limit is 5 MB"):
        run(path, "--role", "student")


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.csv"), "--role", "student")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "teacher"], "invalid choice"),
        (["--role", "student", "--expires-in-days", "0"], "between 1 and 180"),
        (["--role", "student", "--expires-in-days", "181"], "between 1 and 180"),
        (["--role", "student", "--created-by", "nobody@example.com"], "no staff account"),
    ],
)
def test_bad_options_are_refused(csv_file, args, message):
    with pytest.raises(CommandError, match=message):
        run(csv_file("email\na@example.com\n"), *args)
    assert not Invite.objects.exists()


def test_the_author_must_be_staff(csv_file, student):
    with pytest.raises(CommandError, match="no staff account"):
        run(csv_file("email\na@example.com\n"), "--role", "student", "--created-by", student.email)
