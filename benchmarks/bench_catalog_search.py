"""Issue #4 benchmark: catalog search over 100,000 datasets, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_catalog_search.py [--datasets 100000] [--queries 1000]
        [--backends sqlite,postgres] [--pg-url postgres://postgres@127.0.0.1:5432]
        [--keep DIR] [--remember-words] [--search-backend memory|database]

Generates ``--datasets`` datasets with realistic Japanese titles, descriptions, tags and
resources (都城市 and its neighbours in 宮崎県: place names, 施設一覧, 統計, 年度, katakana
words, a few half-width and hiragana spellings) into a throwaway database that the script
creates and drops itself: a temporary SQLite file, and a PostgreSQL database
``--pg-db`` (``kanmin_bench``). Then it runs ``--queries`` searches through
``kanmin.catalog.search.dataset_search`` (what the CKAN ``package_search`` calls), as an
anonymous visitor of the root portal: 1-character (町, 市), 2-character (本町, 公園) and
3-or-more-character queries (避難所一覧, ほんまち, ﾎﾝﾏﾁ), each without a filter and with an
``fq`` on organization, tags or res_format, always with counts for six facet fields and the
first page of ten results (with tags, groups and resources). ``--search-backend`` chooses
the search backend (``KANMIN_SEARCH_BACKEND``; default memory, the embedded default).

Prints one JSON object: p50/p95/max in milliseconds per query class and overall, per
backend, and the ratio of each p95 to the target (≤ 50 ms; a ratio ≤ 1 passes). With
``--keep DIR`` the SQLite file lives in DIR and ``kanmin_bench`` is not dropped, and a later
run with the same ``--keep``, ``--pg-db`` and ``--datasets`` reuses them (no generation).
Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 50.0
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "standard_dataset"]

# --------------------------------------------------------------------------------------------
# Generated catalog (nobody's data)
# --------------------------------------------------------------------------------------------

MUNICIPALITIES = [
    ("452025", "都城市", "Miyakonojo City"),
    ("452017", "宮崎市", "Miyazaki City"),
    ("452041", "日南市", "Nichinan City"),
    ("452050", "小林市", "Kobayashi City"),
    ("453412", "三股町", "Mimata Town"),
]
ORGANIZATIONS = [
    ("kikikanri", "危機管理課"),
    ("somu", "総務課"),
    ("zaisei", "財政課"),
    ("kikaku", "企画政策課"),
    ("shimin", "市民課"),
    ("kenko", "健康づくり課"),
    ("hoiku", "保育課"),
    ("kosodate", "こども課"),
    ("nosei", "農政課"),
    ("shoko", "商工政策課"),
    ("kanko", "観光スポーツ課"),
    ("toshikeikaku", "都市計画課"),
    ("doboku", "土木課"),
    ("suido", "上下水道局"),
    ("kyoiku", "教育委員会"),
    ("kankyo", "環境政策課"),
    ("shobo", "消防局"),
    ("senkyo", "選挙管理委員会"),
]
GROUPS = [
    ("bosai", "防災・安全"),
    ("kanko", "観光・文化"),
    ("kosodate", "子育て・教育"),
    ("fukushi", "健康・福祉"),
    ("jinko", "人口・世帯"),
    ("kotsu", "交通・まちづくり"),
    ("kankyo", "環境・ごみ"),
    ("gyosei", "行政・財政"),
    ("sangyo", "産業・雇用"),
    ("kurashi", "くらし"),
]
TOWNS = [
    "姫城町", "中町", "上町", "早鈴町", "蔵原町", "北原町", "松元町", "吉尾町", "本町", "栄町",
    "前田町", "牟田町", "上長飯町", "年見町", "都北町", "高城町", "山田町", "山之口町",
    "高崎町", "庄内町", "志和池", "沖水", "五十市", "横市", "中郷", "西岳", "乙房町", "梅北町",
    "大岩田町", "南横市町", "青井岳", "吉之元町", "夏尾町", "安久町", "下長飯町", "郡元町",
]  # fmt: skip
PLACES = ["都城市", "宮崎県", "宮崎市", "日南市", "小林市", "えびの市", "三股町", "高原町", "霧島"]
FACILITIES = [
    "指定緊急避難場所", "指定避難所", "AED設置箇所", "公衆トイレ", "都市公園", "図書館",
    "公民館", "地区体育館", "保育所", "認定こども園", "幼稚園", "小学校", "中学校", "医療機関",
    "介護サービス事業所", "指定文化財", "観光施設", "市営駐車場", "コミュニティバス停留所",
    "子育て支援施設", "消火栓", "公共施設", "公衆無線LANアクセスポイント", "ごみステーション",
    "投票所", "児童館", "温泉施設", "道の駅", "スポーツ施設", "農産物直売所",
]  # fmt: skip
STATS = [
    "人口", "世帯数", "出生数", "死亡数", "転入・転出者数", "観光客数", "入込客数", "決算",
    "予算", "家庭ごみ排出量", "水道使用量", "交通事故件数", "火災件数", "救急出動件数",
    "就業者数", "農業産出額", "肉用牛飼養頭数", "事業所数", "図書貸出冊数", "待機児童数",
    "健康診査受診率", "予防接種者数", "市税収入", "選挙投票率", "年齢別人口",
]  # fmt: skip
KATAKANA = [
    "オープンデータ", "ハザードマップ", "イベントカレンダー", "コミュニティバス", "ホンマチ商店街",
    "スポーツイベント", "ワクチン接種会場", "キャッシュレス決済", "サテライトオフィス",
    "ウォーキングコース", "サイクリングロード", "レンタサイクル", "ふるさと納税返礼品",
    "フードバンク", "テレワーク", "マイナンバーカード交付", "ボランティア団体", "ｵｰﾌﾟﾝﾃﾞｰﾀ",
]  # fmt: skip
HIRAGANA = [
    "ほんまち",
    "まちづくり",
    "くらしのガイド",
    "こどもの遊び場",
    "おでかけ",
    "みやこんじょ",
]
TAGS = [
    "防災", "避難所", "医療", "健康", "子育て", "教育", "観光", "文化財", "交通", "バス", "人口",
    "統計", "財政", "予算", "環境", "ごみ", "上水道", "下水道", "農業", "畜産", "商業", "工業",
    "雇用", "福祉", "介護", "高齢者", "障がい者", "スポーツ", "公園", "道路", "地図", "位置情報",
    "施設", "イベント", "選挙", "消防", "救急", "AED", "トイレ", "Wi-Fi", "図書館", "保育",
    "学校", "本町", "中心市街地", "まちなか", "オープンデータ", "推奨データセット", "宮崎県",
    "都城市", "霧島", "焼酎", "肉用牛", "ふるさと", "移住", "住宅", "税", "国民健康保険",
]  # fmt: skip
FORMATS = [("CSV", 50), ("XLSX", 20), ("PDF", 15), ("JSON", 5), ("ZIP", 4), ("GeoJSON", 3)]
FORMATS += [("XML", 2), ("HTML", 1)]
LICENSES = [("cc-by-4.0", 80), ("gov-jp-2.0", 8), ("cc-zero", 5), ("odc-by", 4)]
LICENSES += [("other-open", 2), ("notspecified", 1)]
STANDARDS = [
    ("", 85), ("aed", 2), ("evacuation_space", 2), ("public_facility", 2), ("public_toilet", 1),
    ("hospital", 1), ("preschool", 1), ("population", 2), ("event", 1), ("tourism", 1),
    ("cultural_property", 1), ("care_service", 1),
]  # fmt: skip
STATES = [("published", 90), ("private", 4), ("draft", 5), ("withdrawn", 1)]


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _w in table], [w for _v, w in table])[0]


def _era_year(rng: random.Random) -> tuple[str, int]:
    year = rng.randint(2008, 2025)
    if year >= 2019:
        return f"令和{'元' if year == 2019 else year - 2018}年度", year
    return f"平成{year - 1988}年度", year


def make_text(rng: random.Random, muni: str) -> tuple[str, str, str]:
    """(title_ja, notes_ja, a short word for the resource name)."""
    kind = rng.random()
    town = rng.choice(TOWNS)
    era, year = _era_year(rng)
    if kind < 0.35:
        fac = rng.choice(FACILITIES)
        title = rng.choice(
            [f"{muni}{fac}一覧", f"{fac}一覧（{town}）", f"{fac}一覧 {era}", f"{muni} {fac}"]
        )
        notes = (
            f"{muni}が管理する{fac}の名称、所在地、緯度経度、電話番号、利用可能時間等の一覧です。"
            f"{rng.choice(TOWNS)}、{rng.choice(TOWNS)}など市内全域を対象としています。"
        )
        word = fac
    elif kind < 0.7:
        stat = rng.choice(STATS)
        title = rng.choice(
            [
                f"{era} {stat}統計",
                f"{muni}の{stat}（{year}年）",
                f"{town}地区別{stat}",
                f"{stat}の推移（{era}）",
            ]
        )
        notes = (
            f"{era}の{stat}を地区別・月別に集計した統計データです。"
            f"毎年{rng.randint(1, 12)}月に前年度分を更新します。"
            f"出典：{muni}{rng.choice(STATS)}調査。"
        )
        word = stat
    elif kind < 0.88:
        kata = rng.choice(KATAKANA)
        title = rng.choice(
            [f"{kata}一覧", f"{muni}{kata}", f"{town}{kata}情報", f"{kata}（{era}）"]
        )
        notes = (
            f"{rng.choice(PLACES)}の{kata}に関する情報です。"
            f"{rng.choice(HIRAGANA)}の取り組みとして{town}周辺のデータを公開しています。"
        )
        word = kata
    else:
        hira = rng.choice(HIRAGANA)
        title = rng.choice([f"{hira}マップ", f"{muni}{hira}情報", f"{hira}（{town}）"])
        notes = f"{town}の{hira}に関するデータです。{rng.choice(PLACES)}と連携して作成しました。"
        word = hira
    return title, notes, word


def populate(n_datasets: int, *, seed: int = 4) -> dict[str, Any]:
    """Fill the (migrated, empty) database with ``n_datasets`` datasets, by bulk_create."""
    from django.db import connection, transaction

    from kanmin.catalog.models import Dataset, Group, Organization, Resource, Tag
    from kanmin.core.jp_text import search_key
    from kanmin.core.models import Municipality

    rng = random.Random(seed)
    started = time.perf_counter()
    # The benchmark sets its own dates (spread over years); auto_now would make them all equal.
    for model in (Dataset, Resource):
        model._meta.get_field("modified").auto_now = False  # type: ignore[attr-defined]
        model._meta.get_field("created").auto_now_add = False  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with transaction.atomic():
        munis = [
            Municipality.objects.create(
                lg_code=code, prefecture_code=code[:2], name_ja=ja, name_en=en
            )
            for code, ja, en in MUNICIPALITIES
        ]
        orgs: dict[int, list[Organization]] = {}
        groups: dict[int, list[Group]] = {}
        tags: dict[int, list[Tag]] = {}
        for m in munis:
            orgs[m.pk] = Organization.all_tenants.bulk_create(
                [
                    Organization(municipality=m, name=name, title_ja=title)
                    for name, title in ORGANIZATIONS
                ]
            )
            groups[m.pk] = Group.all_tenants.bulk_create(
                [Group(municipality=m, name=name, title_ja=title) for name, title in GROUPS]
            )
            tags[m.pk] = Tag.all_tenants.bulk_create(
                [Tag(municipality=m, name=name) for name in TAGS]
            )
        tag_through = Dataset.tags.through
        group_through = Dataset.groups.through
        batch = 5000
        for start in range(0, n_datasets, batch):
            datasets: list[Dataset] = []
            resources: list[Resource] = []
            tag_links: list[Any] = []
            group_links: list[Any] = []
            for i in range(start, min(start + batch, n_datasets)):
                m = munis[i % len(munis)]
                title, notes, word = make_text(rng, m.name_ja)
                ds_tags = rng.sample(tags[m.pk], rng.randint(1, 5))
                fmts = [_weighted(rng, FORMATS) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
                era, _year = _era_year(rng)
                res_names = [
                    rng.choice([f"{word}.{f.lower()}", f"{era}_{word}", f"{m.lg_code}_{word}"])
                    for f in fmts
                ]
                created = now - timedelta(days=rng.uniform(0, 5 * 365))
                modified = created + timedelta(days=rng.uniform(0, (now - created).days + 1))
                name = f"ds-{i:06d}"
                parts = [name, title, "", notes, "", *(t.name for t in ds_tags), *res_names]
                ds = Dataset(
                    id=uuid.uuid4(),
                    municipality=m,
                    organization=rng.choice(orgs[m.pk]),
                    name=name,
                    title_ja=title,
                    notes_ja=notes,
                    license_id=_weighted(rng, LICENSES),
                    standard_dataset=_weighted(rng, STANDARDS),
                    state=_weighted(rng, STATES),
                    update_frequency=rng.choice(["", "annual", "monthly", "irregular"]),
                    contact_name=f"{m.name_ja} {rng.choice(ORGANIZATIONS)[1]}",
                    temporal_start=date(2020, 4, 1),
                    search_key="\x1f".join(search_key(p) for p in parts if p),
                    created=created,
                    modified=modified,
                )
                datasets.append(ds)
                for pos, (fmt, res_name) in enumerate(zip(fmts, res_names, strict=True)):
                    resources.append(
                        Resource(
                            municipality=m,
                            dataset=ds,
                            url=f"https://opendata.example.jp/{m.lg_code}/{name}/{pos}.{fmt.lower()}",
                            name=res_name,
                            format=fmt,
                            position=pos,
                            created=created,
                            modified=modified,
                        )
                    )
                tag_links += [tag_through(dataset_id=ds.id, tag_id=t.id) for t in ds_tags]
                group_links += [
                    group_through(dataset_id=ds.id, group_id=g.id)
                    for g in rng.sample(groups[m.pk], rng.choice([1, 1, 2]))
                ]
            Dataset.all_tenants.bulk_create(datasets, batch_size=1000)
            Resource.all_tenants.bulk_create(resources, batch_size=1000)
            tag_through.objects.bulk_create(tag_links, batch_size=2000)
            group_through.objects.bulk_create(group_links, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"generate_seconds": round(time.perf_counter() - started, 1)}


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------

QUERY_CLASSES: dict[str, list[str]] = {
    "1char": ["町", "市", "所", "県", "館", "ほ", "ﾏ"],
    "2char": ["本町", "公園", "統計", "人口", "避難", "ほん", "ﾎﾝ", "観光"],
    "3plus": [
        "避難所一覧",
        "ほんまち",
        "ﾎﾝﾏﾁ",
        "指定緊急避難場所",
        "オープンデータ",
        "令和5年度",
        "子育て支援",
        "AED設置",
        "都城市 公園",
        "上長飯町",
    ],
}
FILTERS = ["", "organization:kikikanri", "tags:防災", "res_format:CSV"]


def query_plan(n: int, seed: int = 44) -> list[tuple[str, str, str]]:
    """``n`` (class, q, fq) triples, the classes in turn, filters in turn within a class."""
    rng = random.Random(seed)
    plan: list[tuple[str, str, str]] = []
    classes = list(QUERY_CLASSES)
    for i in range(n):
        cls = classes[i % len(classes)]
        q = rng.choice(QUERY_CLASSES[cls])
        fq = FILTERS[(i // len(classes)) % len(FILTERS)]
        plan.append((cls, q, fq))
    return plan


def run_search(q: str, fq: str) -> int:
    from django.contrib.auth.models import AnonymousUser

    from kanmin.catalog import search

    result = search.dataset_search(
        municipality=None,
        viewer=AnonymousUser(),
        q=q,
        fq=[fq] if fq else [],
        rows=10,
        facet_fields=FACETS,
    )
    return result.count


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {
        "n": len(ordered),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def child(args: argparse.Namespace) -> None:
    """One backend, in its own process (the settings are read once per process)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kanmin.catalog.models import Dataset

    out: dict[str, Any] = {"backend": args.child}
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    out["migrate_seconds"] = round(time.perf_counter() - t, 1)
    existing = Dataset.all_tenants.count()
    if existing == 0:
        out.update(populate(args.datasets))
    elif existing != args.datasets:
        sys.exit(f"the kept database has {existing} datasets, not {args.datasets}")
    else:
        out["reused_database"] = True
    out["datasets"] = Dataset.all_tenants.count()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if args.populate_only:
        published = Dataset.all_tenants.filter(state="published").order_by("name")
        out["published_names"] = list(published.values_list("name", flat=True))
        out["published_ids"] = [str(i) for i in published.values_list("id", flat=True)]
        print("RESULT " + json.dumps(out, ensure_ascii=False))
        return
    from django.conf import settings

    from kanmin.catalog.search.backends import memory

    out["search_backend"] = settings.KANMIN_SEARCH_BACKEND
    # Every search scans the titles again, as a word searched for the first time does: the
    # index's memory of recent words would answer all but the first 100 of these queries.
    memory.TEXT_MASKS = 0 if not args.remember_words else memory.TEXT_MASKS
    out["remembered_words"] = memory.TEXT_MASKS
    plan = query_plan(args.queries)
    for _cls, q, fq in plan[: min(30, len(plan))]:  # warm up caches and connections
        run_search(q, fq)
    by_class: dict[str, list[float]] = {cls: [] for cls in QUERY_CLASSES}
    by_filter: dict[str, list[float]] = {"no_fq": [], "with_fq": []}
    counts: dict[str, int] = {}
    timings: list[float] = []
    for cls, q, fq in plan:
        t = time.perf_counter()
        n = run_search(q, fq)
        elapsed = time.perf_counter() - t
        timings.append(elapsed)
        by_class[cls].append(elapsed)
        by_filter["with_fq" if fq else "no_fq"].append(elapsed)
        counts[f"{q} | {fq}" if fq else q] = n
    every = [v for values in by_class.values() for v in values]
    out["overall"] = _ms(every)
    out["by_class"] = {cls: _ms(values) for cls, values in by_class.items() if values}
    out["by_filter"] = {k: _ms(v) for k, v in by_filter.items() if v}
    out["slowest"] = [
        {"class": c, "q": q, "fq": f, "ms": round(e * 1000, 1)}
        for e, (c, q, f) in sorted(zip(timings, plan, strict=True), reverse=True)[:5]
    ]
    out["result_counts_sample"] = dict(list(counts.items())[:12])
    print("RESULT " + json.dumps(out, ensure_ascii=False))


# --------------------------------------------------------------------------------------------
# Parent: a throwaway database per backend, one child each
# --------------------------------------------------------------------------------------------


def bench_env(data_dir: Path, db_url: str, search_backend: str = "memory") -> dict[str, str]:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kanmin.settings",
        "KANMIN_PROFILE": "dev",
        "KANMIN_DEBUG": "false",
        "KANMIN_STATIC_MANIFEST": "false",
        "KANMIN_SECRET_KEY": "bench-only-" + key,
        "KANMIN_ENCRYPTION_KEYS": key,
        "KANMIN_DATA_DIR": str(data_dir),
        "KANMIN_DATABASE_URL": db_url,
        "KANMIN_SEARCH_BACKEND": search_backend,
    }


def pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pg_exists(pg_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def run_child(backend: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    if backend == "sqlite":
        db_url = f"sqlite:///{work / 'bench_search.sqlite3'}"
    else:
        if not (args.keep and pg_exists(args.pg_url, args.pg_db)):
            pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {args.pg_db}")
            pg_admin(args.pg_url, f"CREATE DATABASE {args.pg_db}")
        db_url = f"{args.pg_url.rstrip('/')}/{args.pg_db}"
    cmd = [sys.executable, __file__, "--child", backend]
    cmd += ["--datasets", str(args.datasets), "--queries", str(args.queries)]
    if args.remember_words:
        cmd.append("--remember-words")
    try:
        proc = subprocess.run(
            cmd,
            env=bench_env(work, db_url, args.search_backend),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        if backend == "postgres" and not args.keep:
            pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    return {"backend": backend, "error": (proc.stderr or proc.stdout)[-3000:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--pg-db", default="kanmin_bench", help="throwaway database name")
    ap.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the databases")
    ap.add_argument(
        "--remember-words",
        action="store_true",
        help="let the index keep the masks of recent words, as the server does (by default "
        "every query scans again: the figure for words not searched before)",
    )
    ap.add_argument(
        "--search-backend",
        default="memory",
        choices=["memory", "database"],
        help="KANMIN_SEARCH_BACKEND of the searches (default memory)",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--populate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    tmp = tempfile.TemporaryDirectory(prefix="kanmin-bench-search-")
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {
        "datasets": args.datasets,
        "queries": args.queries,
        "facet_fields": FACETS,
        "target_p95_ms": TARGET_P95_MS,
        "cpus": os.cpu_count(),
    }
    ratios: dict[str, float] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        out = run_child(backend, args, work)
        res[backend] = out
        if "overall" in out:
            ratios[f"{backend}_p95_over_target"] = round(
                out["overall"]["p95_ms"] / TARGET_P95_MS, 2
            )
            for cls, figures in out["by_class"].items():
                ratios[f"{backend}_{cls}_p95_over_target"] = round(
                    figures["p95_ms"] / TARGET_P95_MS, 2
                )
    res["ratios"] = ratios
    res["pass"] = bool(ratios) and all(
        v <= 1 for k, v in ratios.items() if k.endswith("over_target")
    )
    print(json.dumps(res, ensure_ascii=False, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
