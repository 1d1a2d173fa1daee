"""Cross-dataset analysis for staff (issue 17, Ⅱ-3 EBPM): read-only queries over several of a
municipality's DataStore tables, saved as named views and published as derived datasets whose
provenance (sources, query, time) is recorded and which are recomputed when a source is
reloaded."""
