from django.urls import URLPattern, path

from kanmin.procedures import my_views, notice_views

app_name = "procedures"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = []

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
