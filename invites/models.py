from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Role
from invites.codes import new_code


class InviteBatch(models.Model):
    """Invites created together by staff (admin, API or CLI)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    role = models.CharField(max_length=16, choices=Role.choices)
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "invite batches"

    def __str__(self):
        return f"Batch {self.pk} ({self.role})"


class Invite(models.Model):
    """One invite code. Used, expired and revoked invites stay as history; nothing deletes them."""

    code = models.CharField(max_length=10, unique=True, default=new_code, editable=False)
    email = models.EmailField(blank=True, help_text="When set, only this address may use it.")
    role = models.CharField(max_length=16, choices=Role.choices)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        InviteBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="invites"
    )
    source = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="used_invites",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when an expired invite is replaced by a new one for the same address and role, so the
    # old row can stay as history without holding the "one pending invite" constraint.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One pending invite per address and role. Expiry cannot sit in an index predicate
            # (now() is not immutable), hence superseded_at (django-invitations #43, #62, #243).
            models.UniqueConstraint(
                Lower("email"),
                "role",
                condition=Q(
                    ~Q(email=""),
                    used_at__isnull=True,
                    revoked_at__isnull=True,
                    superseded_at__isnull=True,
                ),
                name="invites_one_pending_per_email_role",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_by__isnull=False),
                name="invites_used_has_user",
            ),
        ]
        indexes = [models.Index(Lower("email"), name="invites_email_ci")]

    def __str__(self):
        return self.code

    def status(self, now=None):
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.used_at:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "pending"
