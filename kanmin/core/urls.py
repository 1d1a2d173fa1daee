from django.urls import path

from kanmin.core import views

app_name = "core"

# Inside a municipality: under /m/<code>/, or at the root in single-tenant mode.
tenant_urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff_home"),
    # Tables the apps offer as open data (kanmin.core.datasets).
    path("datasets/<str:slug>.<str:fmt>", views.registered_dataset, name="registered_dataset"),
]
