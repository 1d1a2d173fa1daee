"""The URL tree of a single-tenant deployment, for tests that switch modes at run time."""

from kanmin.urls import build

urlpatterns = build(single_tenant=True)
