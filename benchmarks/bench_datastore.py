# ruff: noqa: S608  (the statements are built from this file's own constants)
"""Issue #17 benchmark (skeleton): the DataStore against a CKAN-style PostgreSQL table.

    .venv/bin/python benchmarks/bench_datastore.py [--rows 10000000] [--repeat 5]
        [--pg-url postgres://postgres@127.0.0.1:5432] [--pg-db kanmin_bench_datastore]
        [--keep DIR]

One run:

1. Generates ``--rows`` rows of a town table with Japanese text (町名 from 都城市-like town
   names with 丁目, 区分, 人口, 世帯数, 記録日, 備考 with words such as 記録123 and
   ホンマチ商店街) as a UTF-8 CSV. Nobody's data is used.
2. Kanmin: loads it with the DataStore loader (``kanmin.catalog.datastore.load.build``: types
   inferred, ``_full_text`` folded) into Parquet, then queries it through
   ``kanmin.catalog.datastore.query.search`` (what ``datastore_search`` calls) and the
   ``datastore_search_sql`` sandbox.
3. CKAN-style PostgreSQL: a table as CKAN's DataStore makes it (``_id`` serial primary key,
   ``_full_text tsvector`` with a GIN index, the typed columns, no other index), filled with
   ``COPY`` and ``_full_text = to_tsvector('english', …)`` of the row as CKAN's trigger does,
   then queried the way CKAN's ``datastore_search`` queries (reference/ckan.md):
   ``SELECT … WHERE "c1" = %s AND "c2" = %s ORDER BY … LIMIT 100`` plus ``count(*)``;
   ``q`` as ``_full_text @@ plainto_tsquery('english', %s)``, and, for a correct Japanese
   substring answer, also ``ILIKE '%…%'`` over the text columns (a sequential scan).
4. The queries (each ``--repeat`` times, median): two filters + sort + a page of 100 with
   the total; a Japanese substring ``q`` (山之口, 2 characters 本町, 1 character 町) with
   the total; a count group-by through SQL.
5. Prints one JSON object: the medians in ms, the hit counts (CKAN's tsquery finds nothing
   inside 山之口町: its count is printed beside Kanmin's), and PostgreSQL ÷ Kanmin ratios
   (> 1: Kanmin is faster). Load times are printed too.

Not a test: nothing here runs in CI. The database ``--pg-db`` is created and dropped unless
``--keep`` names a folder (then the CSV and Parquet stay there and the database is kept; a
later run with the same ``--keep`` and ``--rows`` reuses them).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOWNS = [
    "山之口町",
    "高崎町",
    "高城町",
    "山田町",
    "本町",
    "中町",
    "上町",
    "栄町",
    "早鈴町",
    "姫城町",
    "八幡町",
    "牟田町",
    "松元町",
    "北原町",
    "花繰町",
    "上長飯町",
    "年見町",
    "前田町",
    "都原町",
    "一万城町",
    "宮丸町",
    "妻ケ丘町",
    "東町",
    "蔵原町",
    "祝吉町",
    "郡元町",
    "南横市町",
    "乙房町",
]
KINDS = ["住宅", "商業", "工業", "農地", "公共", "その他"]
NOTES = [
    "",
    "",
    "",
    "記録123",
    "ホンマチ商店街",
    "ほんまち通り",
    "ﾎﾝﾏﾁ",
    "ＡＢＣビル",
    "新築",
    "空き家",
]
HEADER = ["町名", "区分", "人口", "世帯数", "記録日", "備考"]


def generate(path: Path, rows: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for _ in range(rows):
            town = rng.choice(TOWNS)
            writer.writerow(
                [
                    f"{town}{rng.randint(1, 9)}丁目",
                    rng.choice(KINDS),
                    rng.randint(0, 5000),
                    rng.randint(0, 2500),
                    (start + timedelta(days=rng.randint(0, 3650))).isoformat(),
                    rng.choice(NOTES),
                ]
            )


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


# --------------------------------------------------------------------------------------------
# Kanmin
# --------------------------------------------------------------------------------------------


def kanmin_load(csv_path: Path, folder: Path) -> tuple[Path, list[dict[str, str]], float]:
    from kanmin.catalog.datastore import load

    t0 = time.perf_counter()
    built = load.build(csv_path, folder)
    final = load.publish(built, folder, 1)
    return final, built.fields, time.perf_counter() - t0


def kanmin_queries(path: Path, fields: list[dict[str, str]], repeat: int) -> dict[str, Any]:
    from kanmin.catalog.datastore import query
    from kanmin.catalog.datastore import sql as sandbox

    table = query.Table(path=path, fields=fields)

    def search(**data: Any) -> dict[str, Any]:
        return query.search(table, query.parse(data))

    out: dict[str, Any] = {}
    ms, r = timed(
        lambda: search(filters={"区分": "住宅", "町名": "本町3丁目"}, sort="人口 desc", limit=100),
        repeat,
    )
    out["filters_sort_page"] = {"ms": ms, "total": r["total"]}
    for q in ("山之口", "本町", "町", "ほんまち"):
        ms, r = timed(lambda q=q: search(q=q, limit=100), repeat)
        out[f"q:{q}"] = {"ms": ms, "total": r["total"]}
    statement = (
        'SELECT "区分", count(*) AS n FROM "00000000-0000-0000-0000-000000000000" GROUP BY 1'
    )
    ms, r = timed(lambda: sandbox.run(statement, lambda ids: dict.fromkeys(ids, path)), repeat)
    out["sql_group_by"] = {"ms": ms, "groups": len(r["records"])}
    return out


# --------------------------------------------------------------------------------------------
# CKAN-style PostgreSQL
# --------------------------------------------------------------------------------------------

PG_TABLE = "bench_towns"
PG_COLUMNS = '"町名" text, "区分" text, "人口" int4, "世帯数" int4, "記録日" date, "備考" text'


def pg_load(conn: Any, csv_path: Path) -> float:
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PG_TABLE}")
        cur.execute(
            f"CREATE TABLE {PG_TABLE} (_id serial PRIMARY KEY, _full_text tsvector, {PG_COLUMNS})"
        )
        columns = ", ".join(f'"{c}"' for c in HEADER)
        with (
            open(csv_path, "rb") as handle,
            cur.copy(
                f"COPY {PG_TABLE} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        # What CKAN's datastore trigger computes for each row (to_tsvector of the row's json).
        cur.execute(
            f"UPDATE {PG_TABLE} SET _full_text = to_tsvector('english', concat_ws(' ', {columns}))"
        )
        cur.execute(f"CREATE INDEX {PG_TABLE}_full_text ON {PG_TABLE} USING gin(_full_text)")
        cur.execute(f"ANALYZE {PG_TABLE}")
    conn.commit()
    return time.perf_counter() - t0


def pg_queries(conn: Any, repeat: int) -> dict[str, Any]:
    def run(statement: str, params: list[Any]) -> list[Any]:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall()

    def search(where: str, params: list[Any], order: str = '"_id"') -> int:
        # datastore_search: the page, then count(*) over the same WHERE (include_total).
        run(
            f"SELECT _id, {', '.join(chr(34) + c + chr(34) for c in HEADER)} FROM {PG_TABLE}"
            f" WHERE {where} ORDER BY {order} LIMIT 100 OFFSET 0",
            params,
        )
        return int(run(f"SELECT count(*) FROM {PG_TABLE} WHERE {where}", params)[0][0])

    out: dict[str, Any] = {}
    ms, total = timed(
        lambda: search('"区分" = %s AND "町名" = %s', ["住宅", "本町3丁目"], '"人口" desc'), repeat
    )
    out["filters_sort_page"] = {"ms": ms, "total": total}
    for q in ("山之口", "本町", "町", "ほんまち"):
        ms, total = timed(
            lambda q=q: search("_full_text @@ plainto_tsquery('english', %s)", [q]), repeat
        )
        out[f"q:{q}"] = {"ms": ms, "total": total, "how": "tsquery (CKAN)"}
        ms, total = timed(
            lambda q=q: search('("町名" ILIKE %s OR "備考" ILIKE %s)', [f"%{q}%", f"%{q}%"]),
            repeat,
        )
        out[f"q_ilike:{q}"] = {"ms": ms, "total": total, "how": "ILIKE (no folding)"}
    ms, rows = timed(lambda: run(f'SELECT "区分", count(*) FROM {PG_TABLE} GROUP BY 1', []), repeat)
    out["sql_group_by"] = {"ms": ms, "groups": len(rows)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--pg-db", default="kanmin_bench_datastore")
    ap.add_argument("--keep", default="")
    args = ap.parse_args()

    import psycopg
    from django.conf import settings

    if not settings.configured:  # the DataStore modules read two settings and translate
        settings.configure(USE_I18N=False)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-datastore-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"towns-{args.rows}.csv"
    t0 = time.perf_counter()
    if not csv_path.exists():
        generate(csv_path, args.rows)
    generated = time.perf_counter() - t0

    parquet, fields, kanmin_load_s = kanmin_load(csv_path, work / "datastore")
    kanmin = kanmin_queries(parquet, fields, args.repeat)

    admin = args.pg_url.rstrip("/") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.pg_db]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.pg_db}"')
    try:
        with psycopg.connect(args.pg_url.rstrip("/") + "/" + args.pg_db) as conn:
            pg_load_s = pg_load(conn, csv_path)
            pg = pg_queries(conn, args.repeat)
    finally:
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}"')

    ratios = {
        name: round(pg[name]["ms"] / kanmin[name]["ms"], 2)
        for name in kanmin
        if name in pg and kanmin[name]["ms"] > 0
    }
    print(
        json.dumps(
            {
                "rows": args.rows,
                "generate_s": round(generated, 1),
                "load_s": {"kanmin": round(kanmin_load_s, 1), "postgres_ckan": round(pg_load_s, 1)},
                "kanmin": kanmin,
                "postgres_ckan": pg,
                "ratio_postgres_over_kanmin": ratios,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
