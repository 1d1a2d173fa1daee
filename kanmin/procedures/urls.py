from django.urls import URLPattern, path

from kanmin.procedures import catalog_views

app_name = "procedures"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = []

# --- procedure catalog ---
tenant_urlpatterns += [
    # Public: the residents' list and the open data.
    path("procedures/", catalog_views.procedure_index, name="procedure_index"),
    path(
        "procedures/procedures.<str:fmt>",
        catalog_views.procedures_file,
        name="procedures_file",
    ),
    # Staff: the catalog.
    path("procedures/staff/catalog/", catalog_views.catalog_list, name="catalog_list"),
    path("procedures/staff/catalog/new/", catalog_views.catalog_new, name="catalog_new"),
    path("procedures/staff/catalog/import/", catalog_views.catalog_import, name="catalog_import"),
    path(
        "procedures/staff/catalog/procedures.csv",
        catalog_views.catalog_export,
        name="catalog_export",
    ),
    path("procedures/staff/catalog/<slug:code>/", catalog_views.catalog_edit, name="catalog_edit"),
    path(
        "procedures/staff/catalog/<slug:code>/publish/",
        catalog_views.catalog_publish,
        name="catalog_publish",
    ),
    path(
        "procedures/staff/catalog/<slug:code>/delete/",
        catalog_views.catalog_delete,
        name="catalog_delete",
    ),
]

# --- procedure catalog: a procedure's public page ---
# ``procedures/<code>/`` takes any one-segment address under procedures/: keep it the LAST
# pattern of this file, after every other part's block, so that their pages are found first.
tenant_urlpatterns += [
    path("procedures/<slug:code>/", catalog_views.procedure_detail, name="procedure_detail"),
]
