from django.urls import URLPattern, path

from kanmin.procedures import (
    apply_views,
    builder_views,
    catalog_views,
    counter_views,
    my_views,
    notice_views,
    queue_views,
    status_views,
)

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

# --- queue: the staff queue of applications and the resident's status page ---
tenant_urlpatterns += [
    path("procedures/staff/queue/", queue_views.queue_list, name="queue"),
    path("procedures/staff/queue/export/", queue_views.queue_export, name="queue_export"),
    path("procedures/staff/queue/<str:reference>/", queue_views.queue_detail, name="queue_detail"),
    path(
        "procedures/staff/queue/<str:reference>/attachments/<int:pk>/",
        queue_views.queue_attachment,
        name="queue_attachment",
    ),
    path(
        "procedures/staff/queue/<str:reference>/<slug:what>/",
        queue_views.queue_action,
        name="queue_action",
    ),
    path("apply/status/<str:reference>/", status_views.apply_status, name="apply_status"),
    path(
        "apply/status/<str:reference>/link/",
        status_views.apply_status_link,
        name="apply_status_link",
    ),
    path(
        "apply/status/<str:reference>/reply/",
        status_views.apply_status_reply,
        name="apply_status_reply",
    ),
    path(
        "apply/status/<str:reference>/withdraw/",
        status_views.apply_status_withdraw,
        name="apply_status_withdraw",
    ),
]

# --- counter: counter visits (窓口), their statistics and the work analysis ---
tenant_urlpatterns += [
    path("counter/display/", counter_views.display, name="counter_display"),
    path("counter/display.json", counter_views.display_json, name="counter_display_json"),
    path("counter/reception/", counter_views.reception, name="counter_reception"),
    path("counter/tickets/<int:pk>/", counter_views.ticket, name="counter_ticket"),
    path("counter/desk/", counter_views.desk, name="counter_desk"),
    path("counter/desk/call-next/", counter_views.call_next, name="counter_call_next"),
    path(
        "counter/visits/<int:pk>/<slug:step>/",
        counter_views.visit_step,
        name="counter_visit_step",
    ),
    path("counter/staff/", counter_views.dashboard, name="counter_dashboard"),
    path(
        "counter/staff/chart-<slug:kind>.svg",
        counter_views.dashboard_chart,
        name="counter_dashboard_chart",
    ),
    path("counter/staff/bpr/new/", counter_views.bpr_new, name="counter_bpr_new"),
    path("procedures/staff/event-log.csv", counter_views.event_log_csv, name="event_log_csv"),
    path("procedures/staff/bottlenecks/", counter_views.bottlenecks, name="bottlenecks"),
    path(
        "procedures/staff/bottlenecks/<slug:code>.svg",
        counter_views.bottleneck_chart,
        name="bottleneck_chart",
    ),
]
# --- end counter ---

# --- apply: the resident's application pages (issue 16) ---


tenant_urlpatterns += [
    path("apply/postcode/<str:digits>.json", apply_views.apply_postcode, name="apply_postcode"),
    path("apply/resume/<str:token>/", apply_views.apply_resume, name="apply_resume"),
    path("apply/<slug:slug>/", apply_views.apply_start, name="apply_start"),
    path("apply/<slug:slug>/<str:public_id>/check/", apply_views.apply_check, name="apply_check"),
    path("apply/<slug:slug>/<str:public_id>/save/", apply_views.apply_save, name="apply_save"),
    path("apply/<slug:slug>/<str:public_id>/done/", apply_views.apply_done, name="apply_done"),
    path(
        "apply/<slug:slug>/<str:public_id>/receipt.pdf",
        apply_views.apply_receipt,
        name="apply_receipt",
    ),
    path(
        "apply/<slug:slug>/<str:public_id>/<slug:page>/", apply_views.apply_page, name="apply_page"
    ),
]

# --- notices: the resident's pages (inbox, applications, consultations) and the staff's
# notices and consultations ---
tenant_urlpatterns += [
    path("my/", my_views.my_home, name="my_home"),
    path("my/notices/<int:pk>/", my_views.my_notice, name="my_notice"),
    path("my/consultations/new/", my_views.my_consultation_new, name="my_consultation_new"),
    path("my/consultations/<int:pk>/", my_views.my_consultation, name="my_consultation"),
    path(
        "my/consultations/<int:pk>/close/",
        my_views.my_consultation_close,
        name="my_consultation_close",
    ),
    path("procedures/staff/notices/", notice_views.notice_list, name="staff_notices"),
    path("procedures/staff/notices/new/", notice_views.notice_new, name="staff_notice_new"),
    path(
        "procedures/staff/consultations/",
        notice_views.consultation_list,
        name="staff_consultations",
    ),
    path(
        "procedures/staff/consultations/<int:pk>/",
        notice_views.consultation_detail,
        name="staff_consultation",
    ),
    path(
        "procedures/staff/consultations/<int:pk>/reply/",
        notice_views.consultation_reply,
        name="staff_consultation_reply",
    ),
    path(
        "procedures/staff/consultations/<int:pk>/close/",
        notice_views.consultation_close,
        name="staff_consultation_close",
    ),
]

# --- builder: the staff form builder ---
tenant_urlpatterns += [
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
]
# --- end builder ---

# --- procedure catalog: a procedure's public page ---
# ``procedures/<code>/`` takes any one-segment address under procedures/: keep it the LAST
# pattern of this file, after every other part's block, so that their pages are found first.
tenant_urlpatterns += [
    path("procedures/<slug:code>/", catalog_views.procedure_detail, name="procedure_detail"),
]
