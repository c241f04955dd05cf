from django.contrib import admin, messages

from beta import services
from beta.models import BetaAccess, BetaSettings, BetaSettingsChange
from beta.selectors import beta_settings_row
from beta.services import EDITABLE


@admin.register(BetaSettings)
class BetaSettingsAdmin(admin.ModelAdmin):
    """The single settings row. Saving goes through the service: recorded and broadcast."""

    fields = ("phase", "beta_disabled", "allow_signup_without_invite", "updated_at")
    readonly_fields = ("updated_at",)
    list_display = ("__str__", "phase", "beta_disabled", "allow_signup_without_invite")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        beta_settings_row()  # the row exists from the first visit on
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        changes = {f: form.cleaned_data[f] for f in EDITABLE if f in form.changed_data}
        services.beta_settings_update(changed_by=request.user, via="admin", **changes)


@admin.register(BetaSettingsChange)
class BetaSettingsChangeAdmin(admin.ModelAdmin):
    """Who changed the beta settings, when, from what to what. Read-only history."""

    list_display = ("changed_at", "changed_by", "field", "old_value", "new_value", "via")
    list_filter = ("field", "via")
    list_select_related = ("changed_by",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BetaAccess)
class BetaAccessAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "phase_at_grant", "invite", "granted_at", "revoked_at")
    list_filter = ("role", "phase_at_grant", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user", "invite")
    search_fields = ("user__email",)
    raw_id_fields = ("user", "invite", "granted_by")
    readonly_fields = ("granted_at", "revoked_at", "phase_at_grant")
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # grants are history: revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        grant = services.beta_access_grant(
            user=obj.user, role=obj.role, invite=obj.invite, granted_by=request.user
        )
        obj.pk = grant.pk

    @admin.action(description="Revoke beta access")
    def revoke(self, request, queryset):
        count = sum(services.beta_access_revoke(grant=g) for g in queryset)
        self.message_user(request, f"Revoked {count} grant(s).", messages.SUCCESS)
