from django.urls import path

from kanmin.disaster import views

app_name = "disaster"

tenant_urlpatterns = [
    path("disaster/staff/criteria/", views.criteria_index, name="criteria_index"),
    path(
        "disaster/staff/stations/<str:code>/criteria/",
        views.station_criteria,
        name="station_criteria",
    ),
    path(
        "disaster/staff/stations/<str:code>/criteria/chart.svg",
        views.station_criteria_chart,
        name="station_criteria_chart",
    ),
]
