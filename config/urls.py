from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import two_factor
from accounts import views as account_views
from dashboard.views import healthz

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", two_factor.two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/keep-alive/", account_views.keep_alive, name="keep_alive"),
    path("accounts/session-status/", account_views.session_status, name="session_status"),
    path("accounts/two-factor/", two_factor.two_factor_exempt(two_factor.EnrolView.as_view()), name="two_factor"),
    path(
        "accounts/two-factor/verify/",
        two_factor.two_factor_exempt(two_factor.VerifyView.as_view()),
        name="two_factor_verify",
    ),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # One sign-in page for everyone (lockout message, then the second factor): the admin's own login
    # page sends there, keeping ?next=.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("dashboard.urls")),
    path("", include("pathway.urls")),
    path("", include("consent.urls")),
    path("", include("interop.urls")),
]

handler403 = "dashboard.views.permission_denied"
handler404 = "dashboard.views.page_not_found"
