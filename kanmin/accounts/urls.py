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
