from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role


class Phase(models.TextChoices):
    INSTRUCTOR_ONLY = "instructor_only", "Instructors only"
    ALPHA = "alpha", "Alpha (invite only)"
    OPEN_BETA = "open_beta", "Open beta"
    OPEN = "open", "Open"


class BetaSettings(models.Model):
    """The one row that decides who may use the platform. Change it only through services."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.INSTRUCTOR_ONLY)
    beta_disabled = models.BooleanField(
        default=False, help_text="Lifts every beta restriction, whatever the phase."
    )
    allow_signup_without_invite = models.BooleanField(
        default=False, help_text="Lets people register without an invite in invite-only phases."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "beta settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="beta_settings_singleton"),
        ]

    def __str__(self):
        return f"Beta: {self.get_phase_display()}{' (disabled)' if self.beta_disabled else ''}"


class BetaSettingsChange(models.Model):
    """One changed field of BetaSettings: who, when, from, to. History, never edited."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=40)
    new_value = models.CharField(max_length=40)
    via = models.CharField(max_length=10)  # "api" or "admin"

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.field}: {self.old_value} → {self.new_value}"


class BetaAccess(models.Model):
    """A grant of beta access. Revoked grants stay as history; at most one is active per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="beta_grants"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    phase_at_grant = models.CharField(max_length=20, choices=Phase.choices)
    invite = models.ForeignKey(
        "invites.Invite", null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "beta access"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="beta_access_one_active_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.role})"

    @property
    def is_active(self):
        return self.revoked_at is None
