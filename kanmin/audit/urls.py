from django.urls import URLPattern, path

from kanmin.audit import views

app_name = "audit"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = [
    path("staff/audit/", views.log, name="log"),
    path("staff/audit/log.csv", views.log_csv, name="log_csv"),
]
