from django.urls import URLPattern, path

from kanmin.governance import dashboard

# Inside a municipality (under /m/<code>/); those who see the whole register only.
tenant_urlpatterns: list[URLPattern] = [
    path("governance/dashboard/", dashboard.dashboard, name="dashboard"),
]
