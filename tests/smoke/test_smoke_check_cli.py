"""What operators' scripts rely on when smoke_check cannot run: one line and a non-zero exit."""

import socket

import pytest

from tests.smoke.conftest import smoke_check


def closed_port():
    # Bound and never listening: connecting is refused at once.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_an_unreachable_server_is_one_line_on_stderr(json_flag):
    sock, port = closed_port()
    with sock:
        out = smoke_check("--base-url", f"http://127.0.0.1:{port}", *json_flag)

    assert out.returncode == 2
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert f"http://127.0.0.1:{port} is unreachable" in out.stderr
    assert "refused" in out.stderr.lower()


def test_an_unknown_host_is_one_line_on_stderr():
    out = smoke_check("--base-url", "https://no-such-host.invalid")

    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "no-such-host.invalid" in out.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "the following arguments are required: --base-url"),
        (["--base-url", "http://127.0.0.1:1", "--bogus"], "unrecognized arguments: --bogus"),
        (["--base-url", "ftp://example.com"], "--base-url must be an http(s) URL"),
        (["--base-url", "http://127.0.0.1:1", "--origin", "beta.instainstru.com"], "--origin"),
        (
            ["--base-url", "http://127.0.0.1:1", "--student-email", "s@example.com"],
            "pass --student-password or set SMOKE_STUDENT_PASSWORD",
        ),
    ],
)
def test_a_bad_option_is_one_line_on_stderr(args, message):
    out = smoke_check(*args)

    assert out.returncode == 2
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert message in out.stderr


def test_a_password_without_its_email_from_the_environment_is_a_bad_option():
    out = smoke_check(
        "--base-url", "http://127.0.0.1:1", env={"SMOKE_STAFF_PASSWORD": "something-long-enough"}
    )

    assert out.returncode == 2
    assert "pass --staff-email or set SMOKE_STAFF_EMAIL" in out.stderr


def test_help_documents_the_interface():
    out = smoke_check("--help")

    assert out.returncode == 0
    for option in [
        "--base-url",
        "--origin",
        "--assume-https",
        "--json",
        "--staff-email",
        "--staff-password",
        "--student-email",
        "--student-password",
        "--instructor-email",
        "--instructor-password",
    ]:
        assert option in out.stdout
