"""Fills preview (or a laptop) with realistic mock data for staff to train on. Never prod."""

import importlib.util
import os
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from beta.models import BetaAccess
from beta.services import beta_access_grant
from bookings.models import Booking
from bookings.services import booking_complete, booking_create
from invites.models import Invite
from invites.services import invite_create, invite_lock, invite_redeem, invite_revoke

# Every demo address is on a reserved domain (RFC 2606): nothing sent to them leaves, and a glance
# at an e-mail says "demo".
DOMAIN = "demo.instainstru.example"
SOURCE = "demo-seed"

INSTRUCTORS = [
    ("maya.okafor", "Maya Okafor"),
    ("diego.ramirez", "Diego Ramírez"),
    ("hannah.schmidt", "Hannah Schmidt"),
    ("kenji.watanabe", "Kenji Watanabe"),
    ("priya.raman", "Priya Raman"),
    ("lucas.martin", "Lucas Martin"),
]
STUDENTS = [
    ("amelia.brooks", "Amelia Brooks"),
    ("noah.kim", "Noah Kim"),
    ("sofia.rossi", "Sofia Rossi"),
    ("liam.oconnor", "Liam O'Connor"),
    ("zara.ahmed", "Zara Ahmed"),
    ("ethan.nguyen", "Ethan Nguyen"),
    ("chloe.dubois", "Chloé Dubois"),
    ("mateo.silva", "Mateo Silva"),
    ("grace.lee", "Grace Lee"),
    ("oliver.jensen", "Oliver Jensen"),
]
# Alpha testers: in through an invite they redeemed at sign-up.
INVITED_STUDENTS = 6
# Let in by staff in the admin, without an invite.
STAFF_GRANTED_STUDENTS = [6]
# Invited, not signed up yet: (address, role, days until expiry; negative: expired, "revoked").
PROSPECTS = [
    ("elena.petrova", Role.INSTRUCTOR, 14),
    ("samuel.adeyemi", Role.INSTRUCTOR, 10),
    ("isla.mackenzie", Role.STUDENT, 12),
    ("yusuf.demir", Role.STUDENT, 7),
    ("late.reply", Role.STUDENT, -3),
    ("changed.mind", Role.STUDENT, "revoked"),
]
# (referrer, referee) by index into STUDENTS: referees' first completed lesson pays both.
REFERRALS = [(0, 1), (0, 2), (3, 4)]
SEARCHES = [
    ("beginner piano lessons", "natural_language", 14),
    ("guitar", "category", 9),
    ("spanish conversation tutor", "natural_language", 6),
    ("music theory", "service_pill", 4),
    ("online only", "filter", 31),
    ("jazz improvisation for adults", "natural_language", 2),
    ("violin", "category", 5),
    ("german a2 exam prep", "natural_language", 3),
]


def address(slug):
    return f"{slug}@{DOMAIN}"


def app_available(label, module):
    """Search history and referrals are optional here: other apps, possibly not deployed yet."""
    return apps.is_installed(label) and importlib.util.find_spec(module) is not None


class Command(BaseCommand):
    help = (
        "Fill preview with realistic mock data: instructors, students, bookings (past and "
        "upcoming), invites (used, pending, expired, revoked), beta grants, and search history "
        "and referrals when those apps are installed. Idempotent: demo people have fixed "
        f"addresses @{DOMAIN}, and what exists is left alone, so running it again adds "
        "nothing. Refused under prod settings. Demo accounts get the password from --password "
        "or SEED_DEMO_PASSWORD; without one they cannot log in."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for every demo account (or SEED_DEMO_PASSWORD). Also resets it on "
            "accounts seeded before.",
        )

    def handle(self, *args, **options):
        if settings.SITE_MODE == "prod":
            raise CommandError(
                "seed_demo fills preview with mock data; it refuses to run with prod settings."
            )
        password = options["password"] or os.environ.get("SEED_DEMO_PASSWORD") or None
        self.now = timezone.now()
        self.counts = {}
        # All or nothing: a failure halfway leaves the database as it was, ready for a rerun.
        with transaction.atomic():
            instructors = [self.user(s, n, Role.INSTRUCTOR, password) for s, n in INSTRUCTORS]
            students = [self.user(s, n, Role.STUDENT, password) for s, n in STUDENTS]
            for user in instructors + students[:INVITED_STUDENTS]:
                self.invited_access(user)
            for index in STAFF_GRANTED_STUDENTS:
                self.staff_access(students[index])
            for slug, role, expiry in PROSPECTS:
                self.prospect_invite(address(slug), role, expiry)
            if app_available("referrals", "referrals.services"):
                for referrer, referee in REFERRALS:
                    self.referral(students[referrer], students[referee])
            else:
                self.stdout.write("referrals: app not installed, skipped")
            for index, student in enumerate(students):
                self.bookings(index, student, instructors)
            if app_available("search_history", "search_history.services"):
                for index, student in enumerate(students):
                    self.searches(index, student)
            else:
                self.stdout.write("search history: app not installed, skipped")

        for what, (total, new) in self.counts.items():
            self.stdout.write(f"{what}: {total} ({new} new)")
        if not password:
            self.stdout.write("Demo accounts have no usable password: pass --password to log in.")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {settings.SITE_MODE}."))

    def count(self, what, new, times=1):
        total, added = self.counts.get(what, (0, 0))
        self.counts[what] = (total + times, added + (times if new else 0))

    # --- people and access ---

    def user(self, slug, full_name, role, password):
        email = address(slug)
        user = User.objects.filter(email=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                email, password=password, full_name=full_name, role=role
            )
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        self.count("instructors" if role == Role.INSTRUCTOR else "students", created)
        return user

    def has_access(self, user):
        return BetaAccess.objects.filter(user=user, revoked_at__isnull=True).exists()

    def invited_access(self, user):
        """The path a real tester takes: an invite bound to their address, redeemed."""
        new = not self.has_access(user)
        if new:
            invite = invite_create(role=user.role, email=user.email, source=SOURCE)
            invite_redeem(invite=invite_lock(code=invite.code, email=user.email), user=user)
        self.count("beta grants", new)
        self.count("invites", new)

    def staff_access(self, user):
        new = not self.has_access(user)
        if new:
            beta_access_grant(user=user, role=user.role)
        self.count("beta grants", new)

    def prospect_invite(self, email, role, expiry):
        new = not Invite.objects.filter(email__iexact=email, role=role).exists()
        if new:
            days = 14 if expiry == "revoked" else expiry
            invite = invite_create(role=role, email=email, expires_in_days=days, source=SOURCE)
            if expiry == "revoked":
                invite_revoke(invite=invite)
        self.count("invites", new)

    def referral(self, referrer, referee):
        from referrals.models import Referral
        from referrals.services import referral_code_ensure, referral_signup

        code = referral_code_ensure(user=referrer)
        new = not Referral.objects.filter(referee=referee).exists()
        if new:
            referral_signup(user=referee, code=code.code, via="body", ip=None)
        self.count("referrals", new)

    # --- activity ---

    def bookings(self, index, student, instructors):
        """Two lessons given and one coming up, with two instructors. Completing goes through
        the service, so referral rewards are issued as they would be."""
        existing = Booking.objects.filter(student=student).count()
        if existing:
            self.count("bookings", False, times=existing)
            return
        first = instructors[index % len(instructors)]
        second = instructors[(index + 2) % len(instructors)]
        day = (self.now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        hour = 9 + index % 9
        for teacher, days_ago in ((first, 21), (second, 8)):
            # In the past, so written directly: booking_create only accepts future lessons.
            lesson = Booking.objects.create(
                student=student,
                instructor=teacher,
                starts_at=day.replace(hour=hour) - timedelta(days=days_ago + 1),
                duration_minutes=60,
            )
            booking_complete(booking_id=lesson.pk, instructor=teacher)
            self.count("bookings", True)
        booking_create(
            student=student,
            instructor_id=first.pk,
            starts_at=day.replace(hour=hour) + timedelta(days=index % 6),
            duration_minutes=45 if index % 2 else 60,
        )
        self.count("bookings", True)

    def searches(self, index, student):
        from search_history.models import SearchEntry, normalize_query
        from search_history.services import search_entry_record

        seen = set(
            SearchEntry.objects.filter(user=student).values_list("normalized_query", flat=True)
        )
        picks = [SEARCHES[(index + k) % len(SEARCHES)] for k in range(2 + index % 3)]
        for query, search_type, results in picks:
            new = normalize_query(query) not in seen
            if new:
                search_entry_record(
                    user=student,
                    guest_id=None,
                    query=query,
                    search_type=search_type,
                    results_count=results,
                )
            self.count("search entries", new)
