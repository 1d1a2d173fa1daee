from django.urls import URLPattern, path

from kanmin.procedures import counter_views

app_name = "procedures"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = []

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
