from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    """Staff-only endpoints: 401 for anonymous callers, 403 staff_only for everyone else."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not request.user.is_staff:
            raise exceptions.PermissionDenied("Only staff may do this.", code="staff_only")
        return True


class IsLoggedIn(BasePermission):
    """Like DRF's IsAuthenticated, but always answers 401 not_authenticated."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return True
