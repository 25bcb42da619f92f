from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic import api
from clinic.views import accounts, console, home

console_patterns = (
    [
        path("", console.people, name="home"),
        path("people/", console.people, name="people"),
        path("people/invite/", console.invite, name="invite"),
        path("people/<int:user_id>/", console.person, name="person"),
        path("devices/", console.devices, name="devices"),
        path("devices/new/", console.device_add, name="device-add"),
        path("devices/<int:device_id>/rotate/", console.device_rotate, name="device-rotate"),
        path("devices/<int:device_id>/revoke/", console.device_revoke, name="device-revoke"),
        path("chairs/new/", console.chair_add, name="chair-add"),
        path("chairs/<int:chair_id>/toggle/", console.chair_toggle, name="chair-toggle"),
        path("settings/", console.clinic_settings, name="settings"),
        path("audit/", console.audit_log, name="audit"),
    ],
    "console",
)

account_patterns = [
    path("login/", accounts.RetrainLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("activate/<str:token>/", accounts.activate, name="activate"),
    path("2fa/setup/", accounts.otp_setup, name="otp-setup"),
    path("security/", accounts.security, name="account-security"),
    path("2fa/verify/", accounts.otp_verify, name="otp-verify"),
]

api_patterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("audit-events/", api.AuditEventListApi.as_view(), name="api-audit-events"),
    path("tokens/", api.ApiTokenListApi.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/revoke/", api.ApiTokenRevokeApi.as_view(), name="api-token-revoke"),
    path("", include("patients.api_urls")),
    path("", include("sessions.api_urls")),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("accounts/", include(account_patterns)),
    path("console/", include(console_patterns)),
    path("patients/", include("patients.urls")),
    path("portal/", include("patients.portal_urls")),
    path("therapy/", include("sessions.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]

handler403 = "clinic.views.errors.forbidden"
handler404 = "clinic.views.errors.not_found"
