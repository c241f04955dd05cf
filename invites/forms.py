"""Forms of the invites admin. They parse and validate; writing is the services' job."""

from django import forms

from accounts.models import Role
from instainstru.api import ApplicationError
from invites.models import Invite
from invites.parsing import MAX_ADDRESSES, MAX_FILE_BYTES, file_too_large, parse_csv, parse_pasted
from invites.selectors import invite_pending_pairs


class InviteSendForm(forms.Form):
    """Step one of "Send invites": the addresses and how to invite them."""

    emails = forms.CharField(
        label="Addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80, "placeholder": "ada@example.com"}),
        help_text="Separated by commas, semicolons or new lines; “Name <address>” keeps the name.",
    )
    csv_file = forms.FileField(
        label="or a CSV file",
        required=False,
        help_text=(
            "A header row with an “email” column, optionally “role” and “name”. UTF-8, at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB and {MAX_ADDRESSES:,} addresses."
        ),
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.INSTRUCTOR,
        help_text="For every address, except CSV rows that name their own role.",
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)", min_value=1, max_value=180, initial=14
    )
    source = forms.CharField(
        max_length=40, required=False, help_text="Where these people come from, for conversion."
    )

    def clean(self):
        data = super().clean()
        text = (data.get("emails") or "").strip()
        upload = data.get("csv_file")
        if text and upload:
            raise forms.ValidationError("Paste addresses or upload a file, not both.")
        if not text and not upload:
            raise forms.ValidationError("Paste some addresses or upload a CSV file.")
        try:
            if upload:
                if upload.size > MAX_FILE_BYTES:
                    raise file_too_large(upload.size)
                data["rows"] = parse_csv(upload.read())
            else:
                data["rows"] = parse_pasted(text)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from exc
        if not data["rows"]:
            raise forms.ValidationError("No addresses found.")
        return data


class InviteAddForm(forms.ModelForm):
    """The admin's "Add invite": checked here, written by services.invite_create."""

    class Meta:
        model = Invite
        fields = ("email", "name", "role", "source", "expires_at")

    def validate_constraints(self):
        # The model's one-pending-invite index cannot see expiry (now() is not allowed in an
        # index predicate), so it would refuse an address whose old invite merely expired;
        # invite_create supersedes those first. clean() checks the rule as the service applies it.
        pass

    def clean(self):
        data = super().clean()
        email = (data.get("email") or "").strip().lower()
        role = data.get("role")
        if email and role and invite_pending_pairs([email]) & {(email, role)}:
            self.add_error("email", f"{email} already has a pending {role} invite.")
        return data
