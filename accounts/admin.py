from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import GuestSession, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("-date_joined",)
    list_display = ("email", "full_name", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_active")
    search_fields = ("email", "full_name")
    actions = ["grant_beta_access"]

    @admin.action(description="Grant beta access (with their role)")
    def grant_beta_access(self, request, queryset):
        from beta.services import beta_access_grant

        for user in queryset:
            beta_access_grant(user=user, role=user.role, granted_by=request.user)
        self.message_user(
            request, f"{queryset.count()} user(s) have beta access.", messages.SUCCESS
        )

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "password1", "password2"),
            },
        ),
    )


@admin.register(GuestSession)
class GuestSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "last_seen_at", "converted_user")
    list_select_related = ("converted_user",)
    readonly_fields = ("id", "created_at", "last_seen_at", "converted_user", "converted_at")
    search_fields = ("converted_user__email",)
