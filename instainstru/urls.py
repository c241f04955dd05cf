from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts import api as accounts_api
from beta import api as beta_api
from bookings import api as bookings_api
from instainstru.health import health
from invites import api as invites_api
from referrals import api as referrals_api
from referrals import views as referrals_views
from search_history import api as search_history_api

urlpatterns = [
    path("health", health, name="health"),
    path("auth/csrf", accounts_api.CsrfApi.as_view(), name="auth-csrf"),
    path("auth/register", accounts_api.RegisterApi.as_view(), name="auth-register"),
    path("auth/login", accounts_api.LoginApi.as_view(), name="auth-login"),
    path("auth/logout", accounts_api.LogoutApi.as_view(), name="auth-logout"),
    path("auth/me", accounts_api.MeApi.as_view(), name="auth-me"),
    path(
        "api/public/session/guest",
        accounts_api.GuestSessionApi.as_view(),
        name="guest-session",
    ),
    path("api/beta/settings", beta_api.BetaSettingsApi.as_view(), name="beta-settings"),
    path(
        "api/beta/invites/validate",
        invites_api.InviteValidateApi.as_view(),
        name="invite-validate",
    ),
    path("api/beta/invites/redeem", invites_api.InviteRedeemApi.as_view(), name="invite-redeem"),
    path(
        "api/beta/invites/batches",
        invites_api.InviteBatchCreateApi.as_view(),
        name="invite-batches",
    ),
    path(
        "api/beta/invites/batches/<int:batch_id>",
        invites_api.InviteBatchDetailApi.as_view(),
        name="invite-batch",
    ),
    path("api/beta/invites/stats", invites_api.InviteStatsApi.as_view(), name="invite-stats"),
    path("api/preview/unlock", beta_api.PreviewUnlockApi.as_view(), name="preview-unlock"),
    path("api/bookings/", bookings_api.BookingCreateApi.as_view(), name="booking-create"),
    path("api/bookings/history", bookings_api.BookingHistoryApi.as_view(), name="booking-history"),
    path(
        "api/bookings/<int:booking_id>/complete",
        bookings_api.BookingCompleteApi.as_view(),
        name="booking-complete",
    ),
    path(
        "api/search-history/", search_history_api.SearchHistoryApi.as_view(), name="search-history"
    ),
    path(
        "api/search-history/<str:entry_id>",
        search_history_api.SearchEntryApi.as_view(),
        name="search-history-entry",
    ),
    path("api/referrals/me", referrals_api.ReferralMeApi.as_view(), name="referrals-me"),
    path("r/<str:code>", referrals_views.referral_click, name="referral-click"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("admin/", admin.site.urls),
]

handler400 = "instainstru.api.handler400"
handler403 = "instainstru.api.handler403"
handler404 = "instainstru.api.handler404"
handler500 = "instainstru.api.handler500"
