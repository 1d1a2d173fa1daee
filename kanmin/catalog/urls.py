from django.urls import URLPattern, path

from kanmin.catalog import views
from kanmin.catalog.ckan import dispatch

app_name = "catalog"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = [
    path("catalog/", views.catalog_home, name="home"),
    path("catalog/dataset/<str:name>/", views.dataset_detail, name="dataset_detail"),
    path(
        "dataset/<uuid:dataset_id>/resource/<uuid:resource_id>/download/<str:filename>",
        views.resource_download,
        name="resource_download",
    ),
]
# The CKAN Action API, mounted at /api/ (all municipalities) and under each
# municipality's prefix (that municipality only). ckanapi calls /api/action/ (no version).
ckan_urlpatterns: list[URLPattern] = [
    path("3", dispatch.api_version, name="version"),
    path("3/", dispatch.api_version, name="version_slash"),
    path("action/<str:action>", dispatch.action_view, name="action"),
    path("3/action/<str:action>", dispatch.action_view, name="action_v3"),
]
