"""The URL tree of a single-tenant deployment, for tests that switch modes at run time."""

from kanmin.urls import build

urlpatterns = build(single_tenant=True)

# The 404 page says what was not found (a municipality, a dataset, a file, …).
handler404 = "kanmin.core.views.page_not_found"
