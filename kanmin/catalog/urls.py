from django.urls import URLPattern

app_name = "catalog"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode).
tenant_urlpatterns: list[URLPattern] = []
# The CKAN Action API, mounted at /api/3/action/ (all municipalities) and under each
# municipality's prefix (that municipality only).
ckan_urlpatterns: list[URLPattern] = []
