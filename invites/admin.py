from django.contrib import admin, messages

from invites import services
from invites.codes import display_code
from invites.models import Invite, InviteBatch


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("shown_code", "email", "role", "source", "expires_at", "used_at", "revoked_at")
    list_filter = ("role", "source", "batch")
    list_select_related = ("used_by",)
    search_fields = ("code", "email")
    fields = ("email", "role", "source", "expires_at")
    actions = ["revoke"]

    @admin.display(description="code", ordering="code")
    def shown_code(self, obj):
        return display_code(obj.code)

    def has_delete_permission(self, request, obj=None):
        return False  # invites are history: revoke instead

    @admin.action(description="Revoke selected invites")
    def revoke(self, request, queryset):
        count = sum(services.invite_revoke(invite=i) for i in queryset)
        self.message_user(request, f"Revoked {count} invite(s).", messages.SUCCESS)


@admin.register(InviteBatch)
class InviteBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "role", "source", "created_by", "created_at")
    list_select_related = ("created_by",)
