from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReferralCode(models.Model):
    """A student's one share code. Clicks are a counter on this row, never a row per click: a
    link posted publicly would otherwise let anyone grow the table without bound."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_code"
    )
    code = models.CharField(max_length=8, unique=True)
    clicks = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.code


class AttributedVia(models.TextChoices):
    BODY = "body", "Code typed at sign-up"
    COOKIE = "cookie", "Cookie from a /r/ link"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", "Pending (no completed lesson yet)"
    REWARDED = "rewarded", "Rewarded"
    HELD = "held", "Held for review"
    REFUSED = "refused", "Refused"


class ReferralReason(models.TextChoices):
    """Why a referral was held or refused: the names of the fraud rules (referrals.rules)."""

    SELF_REFERRAL = "self_referral", "Self-referral"
    EMAIL_ALIAS = "email_alias", "Same e-mail under another spelling"
    MONTHLY_CAP = "monthly_cap", "Over the referrer's monthly cap"
    SAME_IP = "same_ip", "Signed up from the referrer's recent IP address"


class Referral(models.Model):
    """A student who signed up through another student's code, and what became of it."""

    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrals_made"
    )
    # One-to-one: a student is referred at most once, whatever races at sign-up.
    referee = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral"
    )
    code = models.ForeignKey(ReferralCode, on_delete=models.PROTECT, related_name="referrals")
    attributed_via = models.CharField(max_length=6, choices=AttributedVia.choices)
    status = models.CharField(
        max_length=8, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    reason = models.CharField(max_length=16, choices=ReferralReason.choices, blank=True)
    signup_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Null when the rules decided on their own; the staff member for an approval or refusal.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [
            # The monthly cap counts a referrer's recent rewards; /me counts their signups.
            models.Index(fields=["referrer", "status", "decided_at"], name="referrals_by_referrer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=ReferralStatus.PENDING) & Q(decided_at__isnull=False)),
                name="referrals_decided_has_time",
            ),
            # Held and refused referrals say why. A rewarded one keeps the reason it was held
            # for when staff released it (decided_by says who).
            models.CheckConstraint(
                condition=Q(status__in=[ReferralStatus.HELD, ReferralStatus.REFUSED])
                & ~Q(reason="")
                | Q(status=ReferralStatus.PENDING, reason="")
                | Q(status=ReferralStatus.REWARDED),
                name="referrals_reason_when_stopped",
            ),
        ]

    def __str__(self):
        return f"{self.referee} referred by {self.referrer} ({self.status})"


class Reward(models.Model):
    """A credit to one side of a referral. Two per rewarded referral, one to each student."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_rewards"
    )
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="rewards")
    amount_cents = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="rewards_user_newest")]
        constraints = [
            # Exactly once: a retried or raced completion inserts nothing the second time.
            models.UniqueConstraint(fields=["referral", "user"], name="rewards_once_per_side"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="rewards_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount_cents / 100:.2f} to {self.user}"


class ReferralSettings(models.Model):
    """The one row of reward amounts and hold rules, edited by staff in the admin."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    referrer_reward_cents = models.PositiveIntegerField(
        default=2000, validators=[MinValueValidator(1)], help_text="Credit to the referrer."
    )
    referee_reward_cents = models.PositiveIntegerField(
        default=2000, validators=[MinValueValidator(1)], help_text="Credit to the new student."
    )
    monthly_cap = models.PositiveIntegerField(
        default=10,
        help_text="Rewards a referrer may receive in any 30 days; referrals past it are held.",
    )
    same_ip_window_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Hold a referral whose sign-up came from an address the referrer used within "
        "this many days (0 turns the rule off).",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "referral settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="referral_settings_singleton"),
            models.CheckConstraint(
                condition=Q(referrer_reward_cents__gt=0, referee_reward_cents__gt=0),
                name="referral_settings_amounts_positive",
            ),
        ]

    def __str__(self):
        return "Referral settings"


class UserIp(models.Model):
    """An address a student signed up or logged in from, with when it was last seen.

    The same-IP rule needs the referrer's recent addresses; one row per (student, address),
    upserted at sign-up and login, is the least we can keep to answer that.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_ips"
    )
    ip = models.GenericIPAddressField()
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "user IP address"
        constraints = [
            models.UniqueConstraint(fields=["user", "ip"], name="referrals_userip_once"),
        ]

    def __str__(self):
        return f"{self.user} from {self.ip}"
