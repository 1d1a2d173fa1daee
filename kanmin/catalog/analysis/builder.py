# ruff: noqa: S608  (it writes SQL on purpose: identifiers quoted, literals escaped, run by the read-only sandbox)
"""The query builder: a table, columns, a filter, a group-by with count/sum/avg and a join of
two tables on a column, written as the SQL the editor runs (so that staff see, and can edit,
what the form built). Columns are given as ``<resource id>|<column>``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kanmin.catalog.datastore.names import NUMBER_TYPES, quote
from kanmin.core.errors import Invalid

OPERATORS = ("=", "<>", ">", ">=", "<", "<=", "contains")
AGGREGATES = ("count", "sum", "avg")


def column_key(resource_id: str, column: str) -> str:
    return f"{resource_id}|{column}"


@dataclass
class Spec:
    table: str
    columns: list[str] = field(default_factory=list)
    join_table: str = ""
    join_left: str = ""
    join_right: str = ""
    filter_column: str = ""
    filter_op: str = "="
    filter_value: str = ""
    group_by: str = ""
    aggregate: str = ""
    aggregate_column: str = ""
    limit: int = 1000


def _literal(value: str, kind: str, key: str) -> str:
    if kind in NUMBER_TYPES:
        try:
            float(value)
        except ValueError:
            raise Invalid(
                fields={key: [_("This column holds numbers: give a number, e.g. 100.")]}
            ) from None
        return value.strip()
    return "'" + value.replace("'", "''") + "'"


def build(spec: Spec, tables: Mapping[str, list[dict[str, str]]]) -> str:
    """The SELECT for ``spec``; ``tables``: resource id → its fields (id, type). Raises
    ``Invalid`` naming the builder's field that is wrong."""
    if spec.table not in tables:
        raise Invalid(fields={"table": [_("Choose a table from the list.")]})
    aliases = {spec.table: "a"}
    if spec.join_table:
        if spec.join_table not in tables:
            raise Invalid(fields={"join_table": [_("Choose a table from the list.")]})
        if spec.join_table == spec.table:
            raise Invalid(fields={"join_table": [_("Join another table than the first one.")]})
        aliases[spec.join_table] = "b"

    def ref(key: str, name: str) -> tuple[str, str]:
        resource_id, _sep, column = key.partition("|")
        types = {f["id"]: f["type"] for f in tables.get(resource_id, [])}
        if resource_id not in aliases or column not in types:
            raise Invalid(
                fields={name: [_("Choose a column of the chosen tables (or join its table).")]}
            )
        return f"{aliases[resource_id]}.{quote(column)}", types[column]

    source = f"{quote(spec.table)} AS a"
    if spec.join_table:
        if not spec.join_left or not spec.join_right:
            raise Invalid(
                fields={"join_left": [_("Choose the column of each table the rows match on.")]}
            )
        left, _t = ref(spec.join_left, "join_left")
        right, _t = ref(spec.join_right, "join_right")
        source += f" JOIN {quote(spec.join_table)} AS b ON {left} = {right}"
    where = ""
    if spec.filter_column:
        column, kind = ref(spec.filter_column, "filter_column")
        if spec.filter_op not in OPERATORS:
            raise Invalid(fields={"filter_op": [_("Choose a comparison from the list.")]})
        if spec.filter_op == "contains":
            needle = _literal(spec.filter_value, "text", "filter_value")
            where = f" WHERE contains(CAST({column} AS VARCHAR), {needle})"
        else:
            value = _literal(spec.filter_value, kind, "filter_value")
            where = f" WHERE {column} {spec.filter_op} {value}"
    limit = max(1, min(int(spec.limit or 1000), 100_000))
    if spec.group_by or spec.aggregate:
        aggregate = spec.aggregate or "count"
        if aggregate not in AGGREGATES:
            raise Invalid(fields={"aggregate": [_("Choose count, sum or average.")]})
        if aggregate == "count" and not spec.aggregate_column:
            measure, label = "count(*)", "count"
        else:
            if not spec.aggregate_column:
                raise Invalid(fields={"aggregate_column": [_("Choose the column to add up.")]})
            column, kind = ref(spec.aggregate_column, "aggregate_column")
            if aggregate != "count" and kind not in NUMBER_TYPES:
                raise Invalid(
                    fields={"aggregate_column": [_("Sum and average need a column of numbers.")]}
                )
            name = spec.aggregate_column.partition("|")[2]
            measure, label = f"{aggregate}({column})", f"{aggregate}_{name}"
        if spec.group_by:
            group, _t = ref(spec.group_by, "group_by")
            label_name = spec.group_by.partition("|")[2]
            return (
                f"SELECT {group} AS {quote(label_name)}, {measure} AS {quote(label)} "
                f"FROM {source}{where} GROUP BY {group} ORDER BY {group} LIMIT {limit}"
            )
        return f"SELECT {measure} AS {quote(label)} FROM {source}{where}"
    if spec.columns:
        picked = []
        for key in spec.columns:
            column, _t = ref(key, "columns")
            picked.append(f"{column} AS {quote(key.partition('|')[2])}")
        select = ", ".join(picked)
    else:
        # ``_id`` of each table, and the join column the second repeats, are left out.
        select = 'a.* EXCLUDE ("_id")'
        if spec.join_table:
            repeated = quote(spec.join_right.partition("|")[2])
            select += f', b.* EXCLUDE ("_id", {repeated})'
    return f"SELECT {select} FROM {source}{where} LIMIT {limit}"
