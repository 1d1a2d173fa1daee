from django.urls import URLPattern, path

from kanmin.procedures import queue_views, status_views

app_name = "procedures"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = []

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
