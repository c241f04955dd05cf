from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Role
from invites.codes import new_code


class SendStatus(models.TextChoices):
    """Where an invite's e-mail stands. Kept per invite, not per batch, so a send that stops
    half-way can be resumed row by row (a batch-level counter cannot say which rows are left)."""

    NONE = "", "Not e-mailed"
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class InviteBatch(models.Model):
    """Invites created together by staff (admin, API or CLI)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    role = models.CharField(
        max_length=16, choices=Role.choices, help_text="The role of rows that name none."
    )
    source = models.CharField(max_length=40, blank=True)
    via = models.CharField(max_length=8, blank=True)  # "admin", "api" or "cli"
    expires_at = models.DateTimeField(null=True, blank=True)
    submitted = models.PositiveIntegerField(
        default=0, help_text="Addresses given, before rejections."
    )
    rejected = models.JSONField(
        default=list, blank=True, help_text='[{"email", "reason"}] refused when the batch was made.'
    )

    class Meta:
        verbose_name_plural = "invite batches"

    def __str__(self):
        return f"Batch {self.pk} ({self.role})"


class Invite(models.Model):
    """One invite code. Used, expired and revoked invites stay as history; nothing deletes them."""

    code = models.CharField(max_length=10, unique=True, default=new_code, editable=False)
    email = models.EmailField(blank=True, help_text="When set, only this address may use it.")
    name = models.CharField(max_length=150, blank=True)
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

    # The e-mail. Workers claim pending rows (status "sending", claim_token, claimed_at) and
    # record each result before sending the next, so a dead worker's claim can be resumed
    # (invites.sending).
    send_status = models.CharField(
        max_length=8, choices=SendStatus.choices, blank=True, default=SendStatus.NONE
    )
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(send_status__in=SendStatus.values),
                name="invites_send_status_valid",
            ),
            # A claim without its owner and time could never be recognised as stale.
            models.CheckConstraint(
                condition=~Q(send_status=SendStatus.SENDING)
                | (Q(claimed_at__isnull=False) & ~Q(claim_token="")),
                name="invites_sending_is_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(send_status=SendStatus.SENT) | Q(sent_at__isnull=False),
                name="invites_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(Lower("email"), name="invites_email_ci"),
            # What workers claim: small, because sent and failed rows leave it.
            models.Index(
                fields=["batch", "id"],
                condition=Q(send_status__in=[SendStatus.PENDING, SendStatus.SENDING]),
                name="invites_to_send",
            ),
        ]

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
