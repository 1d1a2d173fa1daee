"""The open-data catalog: organizations, datasets, resources, Japanese search, the portal
pages, the CKAN-compatible Action API (``catalog/ckan/``) and DCAT.

May import ``kanmin.standards`` (services and the public API only), ``kanmin.audit``,
``kanmin.accounts`` and ``kanmin.core``.
"""
