"""The DataStore: each tabular resource as a typed Parquet file, searched with DuckDB
(``datastore_search``, ``datastore_info``, ``datastore_search_sql``), as CKAN's DataStore
answers. ``load`` writes the tables, ``query`` and ``sql`` read them."""
