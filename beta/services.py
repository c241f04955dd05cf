"""Writes of the beta state: settings changes (recorded and broadcast) and access grants."""

import logging
import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from beta.models import BetaAccess, BetaSettings, BetaSettingsChange
from beta.selectors import VERSION_KEY, beta_state

logger = logging.getLogger(__name__)

EDITABLE = ("phase", "beta_disabled", "allow_signup_without_invite")


def beta_settings_version_bump():
    """Moves every process to the new settings: readers miss the cache and read the database."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet (never read, or evicted)
            cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        logger.error("beta: settings changed but the cache could not be told", exc_info=True)


@transaction.atomic
def beta_settings_update(*, changed_by, via: str, **changes) -> BetaSettings:
    """Applies changes to the beta settings, records each changed field, and broadcasts them."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not beta settings: {sorted(unknown)}")
    BetaSettings.objects.get_or_create(id=BetaSettings.SINGLETON_ID)
    row = BetaSettings.objects.select_for_update().get(id=BetaSettings.SINGLETON_ID)
    now = timezone.now()
    records = []
    for field, new in changes.items():
        old = getattr(row, field)
        if old != new:
            records.append(
                BetaSettingsChange(
                    changed_by=changed_by,
                    changed_at=now,
                    field=field,
                    old_value=str(old),
                    new_value=str(new),
                    via=via,
                )
            )
            setattr(row, field, new)
    if records:
        row.updated_at = now
        row.save()
        BetaSettingsChange.objects.bulk_create(records)
        transaction.on_commit(beta_settings_version_bump)
    return row


def beta_access_grant(*, user, role: str, invite=None, granted_by=None) -> BetaAccess:
    """Grants access, or returns the active grant the user already has."""
    try:
        with transaction.atomic():
            return BetaAccess.objects.create(
                user=user,
                role=role,
                phase_at_grant=beta_state().phase,
                invite=invite,
                granted_by=granted_by,
            )
    except IntegrityError:
        # The partial unique index allows one active grant: keep the one that is there.
        return BetaAccess.objects.get(user=user, revoked_at__isnull=True)


def beta_access_revoke(*, grant: BetaAccess) -> bool:
    """Ends an active grant; returns False when it had already ended."""
    return bool(
        BetaAccess.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
