from django.urls import URLPattern, path

from kanmin.procedures import builder_views

app_name = "procedures"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = [
    # --- builder: the staff form builder ---
    path("procedures/staff/forms/", builder_views.builder_form_list, name="builder_form_list"),
    path("procedures/staff/forms/new/", builder_views.builder_form_new, name="builder_form_new"),
    path(
        "procedures/staff/forms/<slug:slug>/", builder_views.builder_editor, name="builder_editor"
    ),
    path(
        "procedures/staff/forms/<slug:slug>/edit/", builder_views.builder_edit, name="builder_edit"
    ),
    path(
        "procedures/staff/forms/<slug:slug>/settings/",
        builder_views.builder_settings,
        name="builder_settings",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/pages/add/",
        builder_views.builder_page_add,
        name="builder_page_add",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/pages/<str:page_id>/",
        builder_views.builder_page_edit,
        name="builder_page_edit",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/pages/<str:page_id>/questions/new/",
        builder_views.builder_question_new,
        name="builder_question_new",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/questions/<str:question_id>/",
        builder_views.builder_question_edit,
        name="builder_question_edit",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/preview/",
        builder_views.builder_preview,
        name="builder_preview",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/publish/",
        builder_views.builder_publish,
        name="builder_publish",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/archive/",
        builder_views.builder_archive,
        name="builder_archive",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/versions/",
        builder_views.builder_versions,
        name="builder_versions",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/versions/<int:number>.json",
        builder_views.builder_version_json,
        name="builder_version_json",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/draft.json",
        builder_views.builder_draft_json,
        name="builder_draft_json",
    ),
    path(
        "procedures/staff/forms/<slug:slug>/import/",
        builder_views.builder_import,
        name="builder_import",
    ),
    # --- end builder ---
]
