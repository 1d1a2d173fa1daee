"""Composition root: every app's URLs, the admin, the REST API, and the tenant prefix."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from kanmin.accounts import urls as accounts_urls
from kanmin.api import api
from kanmin.audit import urls as audit_urls
from kanmin.catalog import urls as catalog_urls
from kanmin.catalog import views as catalog_views
from kanmin.core import urls as core_urls
from kanmin.core import views as core_views
from kanmin.core.admin import admin_site
from kanmin.disaster import urls as disaster_urls
from kanmin.governance import dashboard_urls as governance_dashboard_urls
from kanmin.governance import urls as governance_urls
from kanmin.plan import urls as plan_urls
from kanmin.procedures import urls as procedures_urls


def _prefixed(prefix: str, pattern: URLPattern) -> URLPattern:
    return path(prefix + str(pattern.pattern), pattern.callback, name=pattern.name or "")


def build(single_tenant: bool) -> list[URLPattern | URLResolver]:
    """A municipality's pages live under /m/<code>/, or at the root when the deployment serves
    one municipality (KANMIN_SINGLE_TENANT); the list of municipalities then moves aside."""
    prefix = "" if single_tenant else "m/<str:lg_code>/"

    def tenant(patterns: list[URLPattern], namespace: str) -> URLResolver:
        return path("", include(([_prefixed(prefix, p) for p in patterns], namespace)))

    core_patterns = [
        path("municipalities/" if single_tenant else "", core_views.portal, name="portal"),
        *[_prefixed(prefix, p) for p in core_urls.tenant_urlpatterns],
    ]
    patterns: list[URLPattern | URLResolver] = [
        path("healthz", core_views.healthz, name="healthz"),
        path("i18n/", include("django.conf.urls.i18n")),
        path("admin/", admin_site.urls),
        path("accounts/", include(accounts_urls)),
        path("api/v1/", api.urls),
        path("", include((core_patterns, "core"))),
        tenant(plan_urls.tenant_urlpatterns, "plan"),
        tenant(catalog_urls.tenant_urlpatterns, "catalog"),
        tenant(audit_urls.tenant_urlpatterns, "audit"),
        tenant(disaster_urls.tenant_urlpatterns, "disaster"),
        tenant(procedures_urls.tenant_urlpatterns, "procedures"),
        tenant(governance_dashboard_urls.tenant_urlpatterns, "governance_dashboard"),
        tenant(governance_urls.tenant_urlpatterns, "governance"),
        # The national standard data sets as Table Schemas (what DCAT's conformsTo names).
        path(
            "standards/<str:slug>.json",
            catalog_views.standard_schema,
            name="standard_schema",
        ),
        # CKAN's Action API: every municipality at /api/, one municipality under its prefix.
        path("api/", include((catalog_urls.ckan_urlpatterns, "ckan"))),
    ]
    if not single_tenant:
        patterns.append(
            path(
                prefix + "api/",
                include((catalog_urls.ckan_urlpatterns, "ckan"), namespace="ckan_tenant"),
            )
        )
        # DCAT of every municipality's published datasets (a tenant's own is under its prefix).
        patterns.append(
            path("catalog.<str:fmt>", catalog_views.dcat_catalog, name="dcat_catalog_root")
        )
    return patterns


urlpatterns = build(bool(settings.KANMIN_SINGLE_TENANT))

# The 404 page says what was not found (a municipality, a dataset, a file, …).
handler404 = "kanmin.core.views.page_not_found"
