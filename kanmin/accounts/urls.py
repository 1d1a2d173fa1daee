from django.urls import path

from kanmin.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("", views.account_home, name="home"),
    path("two-step/", views.totp_setup, name="totp_setup"),
    path("two-step/off/", views.totp_disable, name="totp_disable"),
]

# --- notices: residents register themselves (resident_views) ---
from kanmin.accounts import resident_views  # noqa: E402

urlpatterns += [
    path("register/", resident_views.register, name="register"),
    path("register/<str:token>/", resident_views.register_confirm, name="register_confirm"),
]

# --- residents reset a forgotten password (resident_views) ---
urlpatterns += [
    path("password-reset/", resident_views.PasswordReset.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        resident_views.PasswordResetDone.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        resident_views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        resident_views.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
]
