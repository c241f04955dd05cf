from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from instainstru.api import ApplicationError
from referrals import services
from referrals.models import (
    Referral,
    ReferralCode,
    ReferralSettings,
    ReferralStatus,
    Reward,
    UserIp,
)
from referrals.selectors import referral_settings

EDITABLE_SETTINGS = (
    "referrer_reward_cents",
    "referee_reward_cents",
    "monthly_cap",
    "same_ip_window_days",
)


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(admin.ModelAdmin):
    """The single settings row: amounts and hold rules, read at each reward decision."""

    fields = (*EDITABLE_SETTINGS, "updated_at")
    readonly_fields = ("updated_at",)
    list_display = ("__str__", *EDITABLE_SETTINGS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        row = referral_settings()  # there is only ever the one row: go straight to it
        return HttpResponseRedirect(
            reverse("admin:referrals_referralsettings_change", args=[row.pk])
        )

    def save_model(self, request, obj, form, change):
        services.referral_settings_update(**{f: form.cleaned_data[f] for f in EDITABLE_SETTINGS})


@admin.register(ReferralCode)
class ReferralCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "user", "clicks", "created_at")
    list_select_related = ("user",)
    search_fields = ("code", "user__email")
    readonly_fields = ("code", "user", "clicks", "created_at")

    def has_add_permission(self, request):
        return False  # created on the student's first use


class RewardInline(admin.TabularInline):
    model = Reward
    fields = ("user", "amount_cents", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Review queue: filter on "held", read the reason, approve or refuse with an action.
    Rows are written only by the services, so every field is read-only here."""

    list_display = (
        "referee",
        "referrer",
        "status",
        "reason",
        "attributed_via",
        "signup_ip",
        "created_at",
        "decided_at",
    )
    list_filter = ("status", "reason", "attributed_via")
    # One join instead of two queries per row for the user columns.
    list_select_related = ("referee", "referrer")
    search_fields = ("referee__email", "referrer__email", "code__code")
    readonly_fields = [f.name for f in Referral._meta.fields]
    inlines = [RewardInline]
    actions = ["approve", "refuse"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # history of who referred whom

    def _decide(self, request, queryset, service, verb):
        held = list(queryset.filter(status=ReferralStatus.HELD).values_list("pk", flat=True))
        done = 0
        for pk in held:
            try:
                service(pk)
                done += 1
            except ApplicationError as exc:  # decided meanwhile by someone else
                self.message_user(request, f"Referral {pk}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{verb} {done} held referral(s).", messages.SUCCESS)
        skipped = queryset.count() - len(held)
        if skipped:
            self.message_user(request, f"Skipped {skipped} that were not held.", messages.WARNING)

    @admin.action(description="Approve selected held referrals (issue both credits)")
    def approve(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda pk: services.referral_approve(referral_id=pk, approved_by=request.user),
            "Approved",
        )

    @admin.action(description="Refuse selected held referrals")
    def refuse(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda pk: services.referral_refuse(referral_id=pk, refused_by=request.user),
            "Refused",
        )


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("user", "amount_cents", "referral", "created_at")
    list_select_related = ("user", "referral__referee", "referral__referrer")
    search_fields = ("user__email",)
    readonly_fields = ("user", "amount_cents", "referral", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserIp)
class UserIpAdmin(admin.ModelAdmin):
    """What the same-IP rule compares against, for staff reviewing a held referral."""

    list_display = ("user", "ip", "first_seen_at", "last_seen_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "ip")
    readonly_fields = ("user", "ip", "first_seen_at", "last_seen_at")

    def has_add_permission(self, request):
        return False
