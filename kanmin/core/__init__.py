"""The kernel: tenancy (Municipality), 年度 and 和暦, Japanese text, 全国地方公共団体コード,
settings declaration, errors, permissions, encrypted fields, the metric registry.

Imports no other Kanmin app.
"""
