"""What smoke_check expects of the phase gate and of registration, phase by phase (API.md)."""

import pytest

from beta.smoke import Beta, expected_gate, invite_required

STUDENT = {"role": "student", "is_staff": False, "beta": {"has_access": False}}
STUDENT_WITH_ACCESS = {"role": "student", "is_staff": False, "beta": {"has_access": True}}
INSTRUCTOR = {"role": "instructor", "is_staff": False, "beta": {"has_access": False}}
INSTRUCTOR_WITH_ACCESS = {"role": "instructor", "is_staff": False, "beta": {"has_access": True}}
STAFF = {"role": "student", "is_staff": True, "beta": {"has_access": False}}

RESTRICTED = (403, "beta_phase_restricted")
NO_ACCESS = (403, "beta_access_required")
OK = (200, None)


@pytest.mark.parametrize(
    "phase, me, expected",
    [
        ("instructor_only", STUDENT, RESTRICTED),
        ("instructor_only", STUDENT_WITH_ACCESS, RESTRICTED),
        ("instructor_only", INSTRUCTOR, NO_ACCESS),
        ("instructor_only", INSTRUCTOR_WITH_ACCESS, OK),
        ("instructor_only", STAFF, OK),
        ("alpha", STUDENT, NO_ACCESS),
        ("alpha", STUDENT_WITH_ACCESS, OK),
        ("alpha", INSTRUCTOR, NO_ACCESS),
        ("open_beta", STUDENT, OK),
        ("open", STUDENT, OK),
        ("disabled", INSTRUCTOR, OK),
        ("alpha", None, (401, "not_authenticated")),
        ("open", None, (401, "not_authenticated")),  # the bookings views want a login anyway
    ],
)
def test_prod_follows_the_gate_table(phase, me, expected):
    assert expected_gate("prod", Beta(label=phase), me) == expected


@pytest.mark.parametrize("me", [STUDENT, INSTRUCTOR, STAFF])
def test_preview_lets_every_account_through_whatever_the_phase(me):
    assert expected_gate("preview", Beta(label="instructor_only"), me) == OK


@pytest.mark.parametrize(
    "site_mode, phase, allow_signup, expected",
    [
        ("prod", "instructor_only", False, True),
        ("prod", "alpha", False, True),
        ("prod", "alpha", True, False),
        ("prod", "open_beta", False, False),
        ("prod", "open", False, False),
        ("prod", "disabled", False, False),
        ("preview", "instructor_only", False, False),
        ("prod", "alpha", None, None),  # settings unreadable: the check says so
    ],
)
def test_registration_needs_an_invite_only_in_the_invite_only_phases(
    site_mode, phase, allow_signup, expected
):
    beta = Beta(label=phase, allow_signup_without_invite=allow_signup)

    assert invite_required(site_mode, beta) is expected
