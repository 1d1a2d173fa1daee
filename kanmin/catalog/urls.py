from django.urls import URLPattern, path

from kanmin.catalog import views
from kanmin.catalog.analysis import views as analysis_views
from kanmin.catalog.ckan import dispatch
from kanmin.catalog.harvest import views as harvest_views

app_name = "catalog"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = [
    path("catalog/", views.catalog_home, name="home"),
    path("catalog/new/", views.dataset_new, name="dataset_new"),
    path("catalog/unpublished/", views.dataset_unpublished, name="dataset_unpublished"),
    # Cross-dataset analysis for staff (issue 17, EBPM).
    path("catalog/analysis/", analysis_views.analysis_home, name="analysis"),
    path("catalog/analysis/<uuid:view_id>/", analysis_views.analysis_view, name="analysis_view"),
    # Harvesting other catalogs (issue 18).
    path("catalog/harvest/", harvest_views.source_list, name="harvest_sources"),
    path("catalog/harvest/new/", harvest_views.source_new, name="harvest_source_new"),
    path("catalog/harvest/<uuid:source_id>/", harvest_views.source_detail, name="harvest_source"),
    path(
        "catalog/harvest/<uuid:source_id>/run/<uuid:run_id>/",
        harvest_views.run_detail,
        name="harvest_run",
    ),
    path(
        "catalog/<str:code>_open_data_list.csv",
        views.open_data_list_csv,
        name="open_data_list",
    ),
    path("catalog/dataset/<str:name>/", views.dataset_detail, name="dataset_detail"),
    path("catalog/dataset/<str:name>/edit/", views.dataset_edit, name="dataset_edit"),
    path("catalog/dataset/<str:name>/resource/new/", views.resource_new, name="resource_new"),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/",
        views.resource_detail,
        name="resource_detail",
    ),
    # DataStore previews (issue 17): the chart builder, its image and its embeddable page.
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/chart/",
        views.resource_chart,
        name="resource_chart",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/chart.svg",
        views.resource_chart_svg,
        name="resource_chart_svg",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/chart/embed/",
        views.resource_chart_embed,
        name="resource_chart_embed",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/rows.csv",
        views.resource_rows_csv,
        name="resource_rows_csv",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/points.geojson",
        views.resource_points,
        name="resource_points",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/history/<uuid:revision_id>/"
        "<str:filename>",
        views.resource_revision_download,
        name="resource_revision_download",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/check/<uuid:validation_id>.json",
        views.validation_status,
        name="validation_status",
    ),
    path(
        "catalog/dataset/<str:name>/resource/<uuid:resource_id>/check/<uuid:validation_id>.csv",
        views.validation_findings_csv,
        name="validation_findings_csv",
    ),
    path(
        "dataset/<uuid:dataset_id>/resource/<uuid:resource_id>/changes.csv",
        views.repair_log,
        name="repair_log",
    ),
    path(
        "dataset/<uuid:dataset_id>/resource/<uuid:resource_id>/download/<str:filename>",
        views.resource_download,
        name="resource_download",
    ),
    # DCAT (fmt: ttl, jsonld, rdf), as ckanext-dcat serves it and under the catalog pages.
    path("catalog.<str:fmt>", views.dcat_catalog, name="dcat_catalog"),
    path("catalog/dataset/<str:name>.<str:fmt>", views.dcat_dataset, name="dcat_dataset"),
    path("dataset/<str:name>.<str:fmt>", views.dcat_dataset, name="dcat_dataset_short"),
]
# The CKAN Action API, mounted at /api/ (all municipalities) and under each
# municipality's prefix (that municipality only). ckanapi calls /api/action/ (no version).
ckan_urlpatterns: list[URLPattern] = [
    path("3", dispatch.api_version, name="version"),
    path("3/", dispatch.api_version, name="version_slash"),
    path("action/<str:action>", dispatch.action_view, name="action"),
    path("3/action/<str:action>", dispatch.action_view, name="action_v3"),
]
