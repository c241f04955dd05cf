"""What staff paste or upload becomes rows: separators, CSV headers, BOM, quoting, limits."""

import pytest

from instainstru.api import ApplicationError
from invites.parsing import MAX_ADDRESSES, MAX_FILE_BYTES, Row, parse_csv, parse_pasted
from invites.selectors import normalize_address


def emails(rows):
    return [r.email for r in rows]


@pytest.mark.parametrize(
    "text",
    [
        "a@example.com,b@example.com,c@example.com",
        "a@example.com;b@example.com;c@example.com",
        "a@example.com\nb@example.com\nc@example.com",
        "a@example.com\r\nb@example.com\r\nc@example.com\r\n",
        "a@example.com, b@example.com;\n\n c@example.com ;;",
        " a@example.com ,;\n b@example.com\n;c@example.com,",
        "a@example.com b@example.com\tc@example.com",
    ],
    ids=["commas", "semicolons", "newlines", "crlf", "mixed", "padded-mixed", "spaces-tabs"],
)
def test_pasted_addresses_split_on_any_mix_of_separators(text):
    assert emails(parse_pasted(text)) == ["a@example.com", "b@example.com", "c@example.com"]


def test_pasted_name_and_address_pairs_keep_the_name():
    rows = parse_pasted(
        'Zoë Ångström <zoe@example.com>; "Bob B" <bob@example.com>, <c@example.com>'
    )

    assert [(r.email, r.name) for r in rows] == [
        ("zoe@example.com", "Zoë Ångström"),
        ("bob@example.com", "Bob B"),
        ("c@example.com", ""),
    ]


def test_empty_paste_gives_no_rows():
    assert parse_pasted(" \n ,; \n") == []


def test_pasting_more_than_the_limit_is_refused_with_the_count():
    text = "\n".join(f"p{i}@example.com" for i in range(MAX_ADDRESSES + 1))

    with pytest.raises(ApplicationError) as err:
        parse_pasted(text)

    assert err.value.code == "too_many_addresses"
    assert "10,001" in err.value.detail


def test_exactly_the_limit_is_accepted():
    text = ",".join(f"p{i}@example.com" for i in range(MAX_ADDRESSES))
    assert len(parse_pasted(text)) == MAX_ADDRESSES


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("  ADA@Example.COM  ", "ada@example.com"),
        ("\tMixed.Case+Tag@Sub.Example.org\n", "mixed.case+tag@sub.example.org"),
    ],
)
def test_upper_case_and_padded_addresses_are_normalized(raw, stored):
    assert normalize_address(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not-an-address",
        "a@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "x" * 250 + "@e.co",
    ],
)
def test_malformed_addresses_are_not_normalized(raw):
    assert normalize_address(raw) is None


# --- CSV --------------------------------------------------------------------------------------


def test_csv_with_email_role_and_name_columns_in_any_order_and_case():
    data = b"Name, ROLE ,Email\nAda Lovelace,instructor,ada@example.com\nBob,,bob@example.com\n"

    assert parse_csv(data) == [
        Row(email="ada@example.com", role="instructor", name="Ada Lovelace", line=2),
        Row(email="bob@example.com", role=None, name="Bob", line=3),
    ]


def test_csv_with_only_an_email_column():
    assert emails(parse_csv(b"email\r\na@example.com\r\nb@example.com\r\n")) == [
        "a@example.com",
        "b@example.com",
    ]


def test_csv_with_a_utf8_bom_reads_the_header_correctly():
    data = "\ufeffemail,name\nzoe@example.com,Zoë\n".encode()
    assert parse_csv(data) == [Row(email="zoe@example.com", name="Zoë", line=2)]


def test_csv_with_unicode_names():
    data = (
        "email,name\n"
        "li@example.com,李小龍\n"
        "sasha@example.com,Саша Пушкина\n"
        "emoji@example.com,Ana 🎸\n"
    )

    assert [r.name for r in parse_csv(data.encode())] == ["李小龍", "Саша Пушкина", "Ana 🎸"]


def test_quoted_csv_fields_may_hold_commas_quotes_and_new_lines():
    data = (
        b"email,name,role\n"
        b'"doe@example.com","Doe, Jane",student\n'
        b'"quote@example.com","She said ""hi""",instructor\n'
        b'"multi@example.com","Line one\nline two",\n'
    )

    rows = parse_csv(data)

    assert [(r.email, r.name, r.role) for r in rows] == [
        ("doe@example.com", "Doe, Jane", "student"),
        ("quote@example.com", 'She said "hi"', "instructor"),
        ("multi@example.com", "Line one\nline two", None),
    ]


def test_csv_blank_lines_and_extra_columns_are_ignored():
    data = b"email,company,name\n\na@example.com,ACME,Ann\n,,\n  \nb@example.com,,\n"
    assert emails(parse_csv(data)) == ["a@example.com", "b@example.com"]


def test_csv_rows_keep_padding_and_case_for_the_plan_to_normalize():
    rows = parse_csv(b"email\n  UPPER@Example.com  \n")
    assert emails(rows) == ["UPPER@Example.com"]
    assert normalize_address(rows[0].email) == "upper@example.com"


def test_csv_role_values_are_case_insensitive():
    assert parse_csv(b"email,role\na@example.com, Instructor \n")[0].role == "instructor"


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"address,name\na@example.com,Ann\n", "email"),
        (b"email,role\na@example.com,teacher\n", "Line 2"),
        (b"email,name\na@example.com,\xff\xfeAnn\n", "UTF-8"),
        (b'email,name\n"a@example.com,"unterminated\n', "not valid CSV"),
        (b"email\na@example.com\x00\n", "NUL"),
        (b"email,name\na@example.com," + b"n" * 151 + b"\n", "longer than 150"),
    ],
    ids=["empty", "no-email-header", "bad-role", "not-utf8", "bad-quoting", "nul", "long-name"],
)
def test_malformed_csv_files_are_refused_with_a_clear_message(data, fragment):
    with pytest.raises(ApplicationError) as err:
        parse_csv(data)
    assert err.value.code == "invalid_file"
    assert fragment in err.value.detail


def test_a_csv_file_over_5_mb_is_refused():
    data = b"email\n" + b"a@example.com\n" * (MAX_FILE_BYTES // 14 + 1)
    assert len(data) > MAX_FILE_BYTES

    with pytest.raises(ApplicationError) as err:
        parse_csv(data)

    assert err.value.code == "file_too_large"
    assert "5 MB" in err.value.detail


def test_a_csv_file_with_more_than_10000_addresses_is_refused_with_the_count():
    data = "email\n" + "".join(f"p{i}@example.com\n" for i in range(MAX_ADDRESSES + 5))

    with pytest.raises(ApplicationError) as err:
        parse_csv(data.encode())

    assert err.value.code == "too_many_addresses"
    assert "10,005" in err.value.detail
