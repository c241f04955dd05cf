from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, Subquery

from accounts.models import User


class EmailBackend(ModelBackend):
    """Django's ModelBackend, loading the session user together with its active beta grant.

    Every API request needs both (the phase gate, GET /auth/me); one query with a subquery instead
    of two keeps /auth/me at two queries even when the session cache is cold.
    """

    def get_user(self, user_id):
        from beta.models import BetaAccess

        active_role = BetaAccess.objects.filter(
            user=OuterRef("pk"), revoked_at__isnull=True
        ).values("role")[:1]
        user = User._default_manager.annotate(active_beta_role=Subquery(active_role))
        user = user.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
