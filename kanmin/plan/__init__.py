"""The plan as data: policies, measures (施策 Ⅰ-1 …), KPIs with targets and actuals per fiscal
year (年度), the annual review (毎年度の見直し), dashboards and reports.

Imports no domain app: computed KPIs come from ``kanmin.core.metrics``, which each app fills.
"""
