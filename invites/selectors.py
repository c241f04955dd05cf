from django.utils import timezone

from invites.codes import normalize_code
from invites.models import Invite


def invite_get_by_code(code) -> Invite | None:
    return Invite.objects.filter(code=normalize_code(code)).first()


def invite_validation(code) -> dict:
    """The body of GET /api/beta/invites/validate. Reads only: a mail scanner opening the link
    must not consume the invite (django-invitations #25)."""
    invite = invite_get_by_code(code)
    if invite is None:
        return {"valid": False, "reason": "not_found"}
    status = invite.status(timezone.now())
    if status != "pending":
        return {"valid": False, "reason": status}
    return {
        "valid": True,
        "code": invite.code,
        "role": invite.role,
        "email": invite.email or None,
        "expires_at": invite.expires_at,
    }
