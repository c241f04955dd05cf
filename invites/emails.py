"""The invite e-mail, HTML and plain text, from templates.

Links are built from settings.FRONTEND_URL, never from a request: workers have no request, and
a Host header is the client's to choose (django-invitations builds them from the request).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from invites.codes import display_code
from invites.models import Invite


def join_url(code: str) -> str:
    return f"{settings.FRONTEND_URL.rstrip('/')}/join?code={code}"


def invite_email_context(invite: Invite) -> dict:
    return {
        "name": invite.name,
        "role": invite.get_role_display().lower(),
        "code": display_code(invite.code),
        "join_url": join_url(invite.code),
        "expires_at": invite.expires_at,
        "frontend_url": settings.FRONTEND_URL.rstrip("/"),
    }


def invite_email_message(invite: Invite) -> EmailMultiAlternatives:
    context = invite_email_context(invite)
    subject = " ".join(render_to_string("invites/email/invite_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("invites/email/invite.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invite.email],
    )
    message.attach_alternative(render_to_string("invites/email/invite.html", context), "text/html")
    return message
