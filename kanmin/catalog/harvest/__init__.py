"""Harvesting (issue 18): import the datasets of another catalog — a CKAN portal, another
Kanmin, or a DCAT file — into a municipality's catalog, and keep them up to date.

``remote`` reads a source (ckanapi for CKAN and Kanmin, HTTP + rdflib for DCAT) into
:class:`remote.Record` values; ``services`` decides, per record, to create, update, leave
unchanged or skip (a local edit is never overwritten), and writes through the catalog's own
services; ``selectors`` reads sources and runs for the staff pages.
"""
