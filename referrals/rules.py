"""The fraud rules of API.md. Each is a small named function of (referral, settings) that returns
the reason to store, or None; RULES says in which order they run and what each one does."""

from datetime import timedelta

from django.utils import timezone

from referrals.models import Referral, ReferralReason, ReferralSettings, ReferralStatus, UserIp

CAP_WINDOW = timedelta(days=30)

# Providers that deliver "first.last+anything@" to "firstlast@". Elsewhere a dot or a plus may be
# a different mailbox, so we only fold where the provider documents that it ignores them.
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
DOTS_IGNORED = {"gmail.com"}
PLUS_TAGS = {
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "protonmail.com",
    "proton.me",
    "pm.me",
}


def canonical_email(email: str) -> str:
    """The mailbox an address delivers to, as far as we can tell without asking the provider."""
    local, _, domain = email.strip().lower().rpartition("@")
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def self_referral(referral: Referral, settings: ReferralSettings) -> str | None:
    # Sign-up always makes a new account, so this guards every other way a referral row can
    # come to exist (a future "enter a friend's code" form, a data fix).
    if referral.referrer_id == referral.referee_id:
        return ReferralReason.SELF_REFERRAL
    return None


def email_alias(referral: Referral, settings: ReferralSettings) -> str | None:
    if canonical_email(referral.referrer.email) == canonical_email(referral.referee.email):
        return ReferralReason.EMAIL_ALIAS
    return None


def monthly_cap(referral: Referral, settings: ReferralSettings) -> str | None:
    """A rolling 30 days rather than the calendar month: no double cap across a month's end."""
    recent = Referral.objects.filter(
        referrer_id=referral.referrer_id,
        status=ReferralStatus.REWARDED,
        decided_at__gte=timezone.now() - CAP_WINDOW,
    ).count()
    if recent >= settings.monthly_cap:
        return ReferralReason.MONTHLY_CAP
    return None


def same_ip(referral: Referral, settings: ReferralSettings) -> str | None:
    """The referee signed up from an address the referrer used around that time."""
    if not settings.same_ip_window_days or not referral.signup_ip:
        return None
    since = referral.created_at - timedelta(days=settings.same_ip_window_days)
    shared = UserIp.objects.filter(
        user_id=referral.referrer_id, ip=referral.signup_ip, last_seen_at__gte=since
    ).exists()
    return ReferralReason.SAME_IP if shared else None


# Refusals first: a self-referral over the cap is refused, not merely held.
RULES = [
    (self_referral, ReferralStatus.REFUSED),
    (email_alias, ReferralStatus.REFUSED),
    (monthly_cap, ReferralStatus.HELD),
    (same_ip, ReferralStatus.HELD),
]


def first_objection(referral: Referral, settings: ReferralSettings) -> tuple[str, str] | None:
    """(status, reason) from the first rule that objects, or None when the referral is clean."""
    for rule, status in RULES:
        reason = rule(referral, settings)
        if reason:
            return status, reason
    return None
