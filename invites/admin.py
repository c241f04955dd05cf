"""The invites admin: a client of the services, like the API.

"Send invites" (paste or CSV → preview → confirm → batch page) is a view of InviteAdmin; the
batch page replaces InviteBatch's change form. Nothing here writes the ORM itself.
"""

import csv
import secrets

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from instainstru.api import ApplicationError
from invites import services
from invites.codes import display_code
from invites.forms import InviteAddForm, InviteSendForm
from invites.models import Invite, InviteBatch, SendStatus
from invites.parsing import Row
from invites.selectors import (
    REASONS,
    batch_status,
    invite_batch_plan,
    invite_batch_progress,
    invite_batches_with_counts,
    invite_conversion_summary,
)

PREVIEW_SESSION_KEY = "invites:send_preview"
PREVIEW_LIST_LIMIT = 500  # addresses listed per group on the preview page; the counts are exact


class LifecycleStatusFilter(admin.SimpleListFilter):
    """Invite.status() as a filter, in the same order of precedence."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("pending", "Pending"),
            ("used", "Used"),
            ("expired", "Expired"),
            ("revoked", "Revoked"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        live = Q(revoked_at__isnull=True, used_at__isnull=True)
        return {
            "revoked": queryset.filter(revoked_at__isnull=False),
            "used": queryset.filter(revoked_at__isnull=True, used_at__isnull=False),
            "expired": queryset.filter(live, expires_at__lte=now),
            "pending": queryset.filter(live, expires_at__gt=now),
        }.get(self.value(), queryset)


def _csv_cell(value):
    """Spreadsheet formula injection: a cell starting with = + - @ would run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = [
    "code",
    "email",
    "name",
    "role",
    "status",
    "send_status",
    "send_attempts",
    "last_error",
    "sent_at",
    "batch",
    "source",
    "expires_at",
    "used_at",
    "revoked_at",
    "created_at",
]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = (
        "shown_code",
        "email",
        "name",
        "role",
        "shown_status",
        "send_status",
        "send_attempts",
        "batch",
        "source",
        "sent_at",
        "expires_at",
        "used_at",
    )
    list_filter = (LifecycleStatusFilter, "send_status", "role", "batch", "source")
    list_select_related = ("batch",)
    search_fields = ("code", "email", "name")
    actions = ["resend", "revoke", "export_csv"]
    change_list_template = "admin/invites/invite/change_list.html"
    add_form = InviteAddForm
    add_fields = ("email", "name", "role", "source", "expires_at")
    change_fields = (
        "shown_code",
        "email",
        "name",
        "role",
        "source",
        "batch",
        "shown_status",
        "expires_at",
        "send_status",
        "send_attempts",
        "last_error",
        "sent_at",
        "used_at",
        "used_by",
        "revoked_at",
        "superseded_at",
        "created_by",
        "created_at",
    )

    @admin.display(description="code", ordering="code")
    def shown_code(self, obj):
        return display_code(obj.code)

    @admin.display(description="status")
    def shown_status(self, obj):
        return obj.status()

    # --- add (through the service) and change (read-only: invites are history) -------------

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_fields

    def has_delete_permission(self, request, obj=None):
        return False  # invites are history: revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only
        invite = services.invite_create(
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            source=form.cleaned_data["source"],
            expires_at=form.cleaned_data["expires_at"],
            created_by=request.user,
        )
        obj.pk, obj.code = invite.pk, invite.code

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checks for a pending invite; one created in between by someone else still
        # trips the database rule, and the service says so instead of a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # --- the list: conversion summary on top, "Send invites" button -------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "conversion": invite_conversion_summary(),
            "send_url": reverse("admin:invites_invite_send"),
        }
        return super().changelist_view(request, extra_context)

    # --- actions ----------------------------------------------------------------------------

    @admin.action(description="Resend the invite e-mail")
    def resend(self, request, queryset):
        count = services.invites_resend(invite_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"Queued {count} e-mail(s)."
            + (
                f" Skipped {skipped}: used, revoked, expired, unbound or already queued."
                if skipped
                else ""
            ),
            messages.SUCCESS if count else messages.WARNING,
        )

    @admin.action(description="Revoke selected invites")
    def revoke(self, request, queryset):
        count = services.invites_revoke(invite_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Revoked {count} invite(s).", messages.SUCCESS)

    @admin.action(description="Export selected invites as CSV")
    def export_csv(self, request, queryset):
        now = timezone.now()
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(EXPORT_COLUMNS)
            for invite in queryset.order_by("id").iterator(chunk_size=2000):
                values = {
                    **{c: getattr(invite, c, "") for c in EXPORT_COLUMNS},
                    "code": display_code(invite.code),
                    "status": invite.status(now),
                    "batch": invite.batch_id or "",
                }
                yield writer.writerow([_csv_cell(values[c]) for c in EXPORT_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="invites-{now:%Y%m%d-%H%M}.csv"'
        return response

    # --- "Send invites": form → preview → confirm -------------------------------------------

    def get_urls(self):
        return [
            path(
                "send/",
                self.admin_site.admin_view(self.send_view),
                name="invites_invite_send",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def send_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("step") == "confirm":
            return self._send_confirm(request)
        form = InviteSendForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if request.method == "POST" and form.is_valid():
            return self._send_preview(request, form.cleaned_data)
        return TemplateResponse(
            request,
            "admin/invites/invite/send.html",
            self._context(request, title="Send invites", form=form),
        )

    def _send_preview(self, request, data):
        """Reads only: nothing is written until the confirm step."""
        plan = invite_batch_plan(data["rows"], role=data["role"])
        token = secrets.token_urlsafe(16)
        # The rows wait in the session (database-backed), not in a hidden field: a 10,000-row
        # upload would exceed the form body limit. The confirm step judges them again.
        request.session[PREVIEW_SESSION_KEY] = {
            "token": token,
            "rows": [[r.email, r.role, r.name] for r in data["rows"]],
            "role": data["role"],
            "expires_in_days": data["expires_in_days"],
            "source": data["source"],
        }
        counts = plan.counts()
        grouped = plan.rejected_by_reason()
        groups = [
            {
                "key": reason,
                "label": reason.replace("_", " ").capitalize(),
                "count": counts[reason],
                "emails": grouped[reason][:PREVIEW_LIST_LIMIT],
            }
            for reason in REASONS
        ]
        return TemplateResponse(
            request,
            "admin/invites/invite/send_preview.html",
            self._context(
                request,
                title="Send invites: check before sending",
                token=token,
                counts=counts,
                accepted=plan.accepted[:PREVIEW_LIST_LIMIT],
                groups=groups,
                limit=PREVIEW_LIST_LIMIT,
                role=data["role"],
                expires_in_days=data["expires_in_days"],
                source=data["source"],
            ),
        )

    def _send_confirm(self, request):
        send_url = reverse("admin:invites_invite_send")
        pending = request.session.get(PREVIEW_SESSION_KEY)
        if not pending or not secrets.compare_digest(
            pending["token"], request.POST.get("token", "")
        ):
            self.message_user(
                request, "That preview is no longer available; start again.", messages.ERROR
            )
            return HttpResponseRedirect(send_url)
        try:
            result = services.invite_batch_create(
                rows=[Row(email=e, role=r, name=n) for e, r, n in pending["rows"]],
                role=pending["role"],
                expires_in_days=pending["expires_in_days"],
                source=pending["source"],
                created_by=request.user,
                via="admin",
            )
        except ApplicationError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(send_url)
        del request.session[PREVIEW_SESSION_KEY]
        accepted, rejected = len(result.plan.accepted), len(result.plan.rejected)
        self.message_user(
            request,
            f"Batch {result.batch.pk}: {accepted} invite(s) queued for sending"
            + (f", {rejected} address(es) rejected." if rejected else "."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:invites_invitebatch_change", args=[result.batch.pk])
        )


@admin.register(InviteBatch)
class InviteBatchAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "created_at",
        "role",
        "source",
        "via",
        "created_by",
        "invites_total",
        "invites_sent",
        "invites_failed",
        "invites_redeemed",
        "conversion",
        "send_state",
    )
    list_filter = ("role", "source", "via")
    list_select_related = ("created_by",)
    ordering = ("-created_at", "-id")

    def get_queryset(self, request):
        return invite_batches_with_counts(super().get_queryset(request))

    @admin.display(description="invites", ordering="n_total")
    def invites_total(self, obj):
        return obj.n_total

    @admin.display(description="sent", ordering="n_delivered")
    def invites_sent(self, obj):
        return obj.n_delivered

    @admin.display(description="failed", ordering="n_failed")
    def invites_failed(self, obj):
        return obj.n_failed

    @admin.display(description="redeemed", ordering="n_redeemed")
    def invites_redeemed(self, obj):
        return obj.n_redeemed

    @admin.display(description="conversion")
    def conversion(self, obj):
        return f"{obj.n_redeemed_sent / obj.n_sent:.1%}" if obj.n_sent else "–"

    @admin.display(description="sending")
    def send_state(self, obj):
        return batch_status(
            {
                "total": obj.n_total,
                "pending": obj.n_pending,
                "sending": obj.n_sending,
                "sent": obj.n_delivered,
                "failed": obj.n_failed,
            }
        )

    def has_add_permission(self, request):
        return False  # batches are made by "Send invites", the API or the CLI

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The batch page: progress while sending goes on, failures with reasons, resend."""
        batch = self.get_object(request, object_id)
        if batch is None:
            raise Http404("No such batch.")
        if not self.has_view_or_change_permission(request, batch):
            raise PermissionDenied
        here = reverse("admin:invites_invitebatch_change", args=[batch.pk])
        if request.method == "POST":
            if not self.has_change_permission(request, batch):
                raise PermissionDenied
            action = request.POST.get("action")
            if action == "resend_failed":
                count = services.invite_batch_resend_failed(batch=batch)
                self.message_user(request, f"Queued {count} failed e-mail(s) again.")
            elif action == "resume":
                count = services.invite_batch_resume(batch=batch)
                self.message_user(request, f"Queued the sending of {count} e-mail(s) again.")
            return HttpResponseRedirect(here)
        progress = invite_batch_progress(batch)
        done = progress["sent"] + progress["failed"]
        sendable = progress["total"] - progress["cancelled"]
        return TemplateResponse(
            request,
            "admin/invites/invitebatch/progress.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": batch,
                "has_view_permission": True,
                "title": f"Invite batch {batch.pk}",
                "batch": batch,
                "progress": progress,
                "done": done,
                "sendable": sendable,
                "percent": round(100 * done / sendable) if sendable else 100,
                "refresh": progress["status"] in ("queued", "sending"),
                "can_change": self.has_change_permission(request, batch),
                "invites_url": reverse("admin:invites_invite_changelist")
                + f"?batch__id__exact={batch.pk}",
                "failed_url": reverse("admin:invites_invite_changelist")
                + f"?batch__id__exact={batch.pk}&send_status__exact={SendStatus.FAILED}",
            },
        )
