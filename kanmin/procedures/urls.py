from django.urls import URLPattern

app_name = "procedures"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = []

# --- apply: the resident's application pages (issue 16) ---
from django.urls import path as _apply_path  # noqa: E402

from kanmin.procedures import apply_views  # noqa: E402

tenant_urlpatterns += [
    _apply_path(
        "apply/postcode/<str:digits>.json", apply_views.apply_postcode, name="apply_postcode"
    ),
    _apply_path("apply/resume/<str:token>/", apply_views.apply_resume, name="apply_resume"),
    _apply_path("apply/<slug:slug>/", apply_views.apply_start, name="apply_start"),
    _apply_path(
        "apply/<slug:slug>/<str:public_id>/check/", apply_views.apply_check, name="apply_check"
    ),
    _apply_path(
        "apply/<slug:slug>/<str:public_id>/save/", apply_views.apply_save, name="apply_save"
    ),
    _apply_path(
        "apply/<slug:slug>/<str:public_id>/done/", apply_views.apply_done, name="apply_done"
    ),
    _apply_path(
        "apply/<slug:slug>/<str:public_id>/receipt.pdf",
        apply_views.apply_receipt,
        name="apply_receipt",
    ),
    _apply_path(
        "apply/<slug:slug>/<str:public_id>/<slug:page>/", apply_views.apply_page, name="apply_page"
    ),
]
