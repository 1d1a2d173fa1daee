from django.urls import path

from kanmin.plan import views

app_name = "plan"

tenant_urlpatterns = [
    path("plan/", views.plan_home, name="home"),
    path("plan/glossary/", views.glossary, name="glossary"),
    path("plan/measures/<str:number>/", views.measure_detail, name="measure_detail"),
    path("plan/kpis/<int:kpi_id>/chart.svg", views.kpi_chart, name="kpi_chart"),
    path("plan/open-data/kpi.<str:fmt>", views.open_data, name="open_data"),
    path("plan/staff/", views.staff_dashboard, name="staff_dashboard"),
    path("plan/staff/start/", views.plan_start, name="start"),
    path("plan/staff/figures/", views.figures_upload, name="figures_upload"),
    path(
        "plan/staff/figures/<int:fiscal_year>.xlsx",
        views.figures_template,
        name="figures_template",
    ),
    path("plan/staff/measures/<str:number>/", views.measure_edit, name="measure_edit"),
    path("plan/staff/kpis/<int:kpi_id>/edit/", views.kpi_edit, name="kpi_edit"),
    path("plan/staff/kpis/<int:kpi_id>/", views.kpi_values, name="kpi_values"),
    path("plan/staff/reviews/<int:fiscal_year>/", views.review_detail, name="review_detail"),
    path("plan/staff/reviews/<int:fiscal_year>/close/", views.review_close, name="review_close"),
    path(
        "plan/staff/reviews/<int:fiscal_year>/report.<str:fmt>",
        views.review_report,
        name="review_report",
    ),
]
