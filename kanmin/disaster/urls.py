from django.urls import URLPattern, path

from kanmin.disaster import shelter_views, station_views, views

app_name = "disaster"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = [
    # Public: residents, apps and broadcasters.
    path("disaster/", views.public_home, name="home"),
    path("disaster/stations.geojson", views.stations_geojson, name="stations_geojson"),
    path("disaster/feed.<str:fmt>", views.feed, name="feed"),
    path("disaster/shelters.geojson", shelter_views.shelters_geojson, name="shelters_geojson"),
    # Staff: the disaster headquarters.
    path("disaster/staff/", views.staff_dashboard, name="staff_dashboard"),
    path("disaster/staff/stations/<str:code>/chart.svg", views.station_chart, name="station_chart"),
    # Staff: stations, reference levels, devices and file imports (station_views).
    path("disaster/staff/stations/", station_views.station_list, name="station_list"),
    path("disaster/staff/stations/new/", station_views.station_new, name="station_new"),
    path(
        "disaster/staff/stations/<str:code>/", station_views.station_detail, name="station_detail"
    ),
    path(
        "disaster/staff/stations/<str:code>/edit/", station_views.station_edit, name="station_edit"
    ),
    path(
        "disaster/staff/stations/<str:code>/levels/",
        station_views.station_levels,
        name="station_levels",
    ),
    path("disaster/staff/devices/", station_views.device_list, name="device_list"),
    path("disaster/staff/devices/<str:code>/", station_views.device_detail, name="device_detail"),
    path("disaster/staff/imports/", station_views.import_new, name="import_new"),
    path("disaster/staff/imports/<int:pk>/", station_views.import_detail, name="import_detail"),
    path(
        "disaster/staff/imports/<int:pk>/status.json",
        station_views.import_status,
        name="import_status",
    ),
    path(
        "disaster/staff/alerts/<int:pk>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("disaster/staff/official/", views.official_info, name="official_info"),
    path("disaster/staff/decisions/new/", views.decision_new, name="decision_new"),
    path("disaster/staff/decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("disaster/staff/rules/", views.rules_view, name="rules"),
    path("disaster/staff/rules/edit/", views.rules_edit, name="rules_edit"),
    # Staff: objective criteria from the stations' history.
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
    # Staff: shelters, their openings and evacuee counts.
    path("disaster/staff/shelters/", shelter_views.shelter_list, name="shelter_list"),
    path("disaster/staff/shelters/new/", shelter_views.shelter_new, name="shelter_new"),
    path("disaster/staff/shelters/import/", shelter_views.shelter_import, name="shelter_import"),
    path(
        "disaster/staff/shelters/<str:code>/", shelter_views.shelter_detail, name="shelter_detail"
    ),
    path(
        "disaster/staff/shelters/<str:code>/edit/", shelter_views.shelter_edit, name="shelter_edit"
    ),
    path(
        "disaster/staff/shelters/<str:code>/open/", shelter_views.shelter_open, name="shelter_open"
    ),
    path(
        "disaster/staff/shelters/<str:code>/count/",
        shelter_views.shelter_count,
        name="shelter_count",
    ),
    path(
        "disaster/staff/shelters/<str:code>/close/",
        shelter_views.shelter_close,
        name="shelter_close",
    ),
]
