"""Turning what staff paste or upload into rows of a batch. Pure functions: no database.

Two inputs: pasted text (addresses separated by any mix of commas, semicolons and new lines,
optionally as `Name <address>`), and CSV files with a header row naming an `email` column and
optionally `role` and `name` (UTF-8, with or without the BOM Excel writes). Addresses are only
split and trimmed here; deciding which are valid is selectors.invite_batch_plan's job, so that
every address given shows up in the preview with a reason.
"""

import csv
import io
import re
from dataclasses import dataclass

from accounts.models import Role
from instainstru.api import ApplicationError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ADDRESSES = 10_000
MAX_NAME_LENGTH = 150

_SEPARATORS = re.compile(r"[,;\r\n]+")
_NAMED = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]*)>$")


@dataclass(frozen=True)
class Row:
    """One address as given, with its optional role and name and where it came from."""

    email: str
    role: str | None = None
    name: str = ""
    line: int | None = None


def input_error(detail, code):
    return ApplicationError(detail, code=code)


def too_many(count):
    return input_error(
        f"{count:,} addresses: a batch holds at most {MAX_ADDRESSES:,}. Nothing was saved; "
        "split the list into smaller batches.",
        "too_many_addresses",
    )


def check_count(rows):
    if len(rows) > MAX_ADDRESSES:
        raise too_many(len(rows))
    return rows


def parse_pasted(text: str) -> list[Row]:
    """Addresses separated by commas, semicolons or new lines; `Jane Doe <jane@x.com>` keeps
    the name (what mail clients copy); a piece with inner spaces and no <> is several
    addresses separated by spaces."""
    rows = []
    for line_no, line in enumerate(text.splitlines() or [""], start=1):
        for piece in _SEPARATORS.split(line):
            piece = piece.strip()
            if not piece:
                continue
            named = _NAMED.match(piece)
            if named:
                rows.append(
                    Row(
                        email=named["email"].strip(),
                        name=named["name"].strip().strip('"').strip(),
                        line=line_no,
                    )
                )
            else:
                rows.extend(Row(email=word, line=line_no) for word in piece.split())
    return check_count(rows)


def decode_upload(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise file_too_large(len(data))
    try:
        return data.decode("utf-8-sig")  # drops the BOM when there is one
    except UnicodeDecodeError as exc:
        raise input_error(
            f"The file is not UTF-8 text (bad byte at position {exc.start}). Save it as "
            "“CSV UTF-8” and upload it again. Nothing was saved.",
            "invalid_file",
        ) from exc


def file_too_large(size):
    return input_error(
        f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB. Nothing was saved.",
        "file_too_large",
    )


def parse_csv(data: bytes) -> list[Row]:
    """A CSV file with a header row: `email` (required), `role` and `name` (optional), in any
    order and any case; other columns are ignored. Blank lines are skipped."""
    text = decode_upload(data)
    if "\x00" in text:
        raise input_error("The file contains NUL bytes: it is not a CSV file.", "invalid_file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise input_error("The file is empty.", "invalid_file")
        columns = [c.strip().lower() for c in header]
        if "email" not in columns:
            found = ", ".join(c for c in columns if c) or "nothing"
            raise input_error(
                f"The first row must be a header naming an “email” column (found: {found}).",
                "invalid_file",
            )
        email_at = columns.index("email")
        role_at = columns.index("role") if "role" in columns else None
        name_at = columns.index("name") if "name" in columns else None
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            rows.append(_csv_row(cells, reader.line_num, email_at, role_at, name_at))
            if len(rows) > MAX_ADDRESSES:
                # Count the rest without building rows, for an exact number in the message.
                raise too_many(len(rows) + sum(1 for c in reader if any(x.strip() for x in c)))
    except csv.Error as exc:
        raise input_error(
            f"Line {reader.line_num} is not valid CSV ({exc}). Nothing was saved.",
            "invalid_file",
        ) from exc
    return rows


def _cell(cells, at):
    return cells[at].strip() if at is not None and at < len(cells) else ""


def _csv_row(cells, line, email_at, role_at, name_at):
    role = _cell(cells, role_at).lower() or None
    if role is not None and role not in Role.values:
        raise input_error(
            f"Line {line}: the role “{role}” is not one of {', '.join(Role.values)}. "
            "Nothing was saved.",
            "invalid_file",
        )
    name = _cell(cells, name_at)
    if len(name) > MAX_NAME_LENGTH:
        raise input_error(
            f"Line {line}: the name is longer than {MAX_NAME_LENGTH} characters.",
            "invalid_file",
        )
    return Row(email=_cell(cells, email_at), role=role, name=name, line=line)
