from django.db.models import Count, Q

from accounts.models import User
from referrals.models import Referral, ReferralSettings, ReferralStatus, Reward

# A student earns at most the monthly cap of credits a month; 100 is years of them. Bounded so
# the page stays one cheap indexed read whatever happens.
REWARDS_LIMIT = 100


def referral_settings() -> ReferralSettings:
    row, _ = ReferralSettings.objects.get_or_create(id=ReferralSettings.SINGLETON_ID)
    return row


def referral_summary(*, user: User) -> dict:
    """The referrer's numbers for /api/referrals/me: two queries however many referrals."""
    counts = Referral.objects.filter(referrer=user).aggregate(
        signups=Count("id"),
        rewarded=Count("id", filter=Q(status=ReferralStatus.REWARDED)),
    )
    rewards = list(
        Reward.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values("amount_cents", "created_at")[:REWARDS_LIMIT]
    )
    return {"signups": counts["signups"], "rewarded": counts["rewarded"], "rewards": rewards}
