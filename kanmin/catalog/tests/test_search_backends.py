"""Every search backend gives the same answers: the same matches, counts, facets, order and
pages, the same errors. A new backend joins ``BACKENDS`` and passes this module as it is."""

from __future__ import annotations

import random
from itertools import product

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils.module_loading import import_string

from kanmin.catalog import licenses, quality, search, selectors, services
from kanmin.catalog.models import DatasetState
from kanmin.catalog.search.backends import BACKENDS, get_search_backend
from kanmin.catalog.search.backends import memory as memory_backend
from kanmin.catalog.search.backends.database import QUERY_FIELDS, DatabaseBackend
from kanmin.catalog.search.backends.memory import MemoryBackend
from kanmin.core import conf

pytestmark = pytest.mark.django_db


def _fresh(name: str) -> search.SearchBackend:
    """A new instance: the memory backend builds its index from this test's rows."""
    return import_string(BACKENDS[name])()


@pytest.fixture(params=sorted(BACKENDS))
def backend(request) -> search.SearchBackend:
    return _fresh(request.param)


def _names(result: search.SearchResult) -> list[str]:
    return [d.name for d in selectors.datasets_in_order(result.ids)]


def _find(backend, q: str = "", **kw) -> list[str]:
    kw.setdefault("municipality", None)
    kw.setdefault("viewer", None)
    kw.setdefault("rows", 100)
    kw.setdefault("facet_fields", ["tags"])  # the database answers in one statement
    return sorted(_names(search.dataset_search(backend=backend, q=q, **kw)))


# --------------------------------------------------------------------------------------------
# The same expected answers from every backend
# --------------------------------------------------------------------------------------------


def test_any_japanese_substring_is_found_whatever_the_width_or_kana(backend, make_dataset):
    make_dataset("chome", "本町一丁目の人口")
    make_dataset("kana", "ホンマチ商店街の店舗一覧")
    make_dataset("other", "都城市の避難所")
    assert _find(backend, "本町") == ["chome"]
    assert _find(backend, "町") == ["chome"]
    assert _find(backend, "ほんまち") == ["kana"]
    assert _find(backend, "ﾎﾝﾏﾁ") == ["kana"]
    assert _find(backend, "ホンマチ") == ["kana"]
    assert _find(backend, "避難") == ["other"]
    assert _find(backend, "") == ["chome", "kana", "other"]
    assert _find(backend, "   ") == ["chome", "kana", "other"]


def test_words_are_found_in_notes_tags_and_resource_names(backend, make_dataset):
    make_dataset("a1", "データA", notes_ja="ＡＥＤの設置場所")
    make_dataset("a2", "データB", tags=["子育て"])
    make_dataset(
        "a3", "データC", resources=[{"url": "https://example.jp/x.csv", "name": "保育所一覧"}]
    )
    assert _find(backend, "aed") == ["a1"]
    assert _find(backend, "子育") == ["a2"]
    assert _find(backend, "保育所") == ["a3"]


@pytest.fixture
def three(make_dataset, miyazaki, other_org):
    pop = make_dataset("pop", "人口統計", tags=["人口", "統計"], license_id="cc-zero")
    make_dataset(
        "shelter",
        "避難所一覧",
        notes_ja="指定緊急避難場所",
        tags=["防災"],
        contact_name="危機管理課",
        resources=[
            {"url": "https://example.jp/s.csv", "format": "CSV", "name": "避難所CSV"},
            {"url": "https://example.jp/s.pdf", "format": "PDF", "description": "地図"},
        ],
    )
    make_dataset("kids", "子育て施設", municipality=miyazaki, organization=other_org)
    return pop


@pytest.mark.parametrize(
    ("q", "fq", "expected"),
    [
        ("tags:人口", [], ["pop"]),
        ("tags:人口 tags:統計", [], ["pop"]),
        ('tags:"防災"', [], ["shelter"]),
        ("tags:防*", [], ["shelter"]),
        ("人口 OR 避難所", [], ["pop", "shelter"]),
        ("人口 || 避難所", [], ["pop", "shelter"]),
        ("人口 && 統計", [], ["pop"]),
        ("NOT 人口", [], ["kids", "shelter"]),
        ("!人口", [], ["kids", "shelter"]),
        ("-人口 -避難所", [], ["kids"]),
        ("+人口", [], ["pop"]),
        ('"人口統計"', [], ["pop"]),
        ('"統計 人口"', [], []),
        ("res_format:CSV", [], ["shelter"]),
        ("res_format:csv", [], []),
        ("license_id:cc-zero", [], ["pop"]),
        ("name:sh*", [], ["shelter"]),
        ("name:shelter", [], ["shelter"]),
        ("name:*", [], ["kids", "pop", "shelter"]),
        ("municipality:452017", [], ["kids"]),
        ("municipality:4520*", [], ["kids", "pop", "shelter"]),
        ("organization:johoseisaku", [], ["kids", "pop", "shelter"]),
        ("quality:none", [], ["kids", "pop", "shelter"]),
        ("quality:high", [], []),
        ("*:*", ["organization:johoseisaku +tags:防災"], ["shelter"]),
        ("(人口 OR 子育て) AND NOT tags:統計", [], ["kids"]),
        ("", ["res_format:PDF", "municipality:452025"], ["shelter"]),
        ("", ["-res_format:PDF", "municipality:452025"], ["pop"]),
        ("nosuchfield:*", [], ["kids", "pop", "shelter"]),
        # fields the memory index does not hold: the database answers them
        ("title:避難", [], ["shelter"]),
        ("notes:緊急", [], ["shelter"]),
        ("res_name:csv", [], ["shelter"]),
        ("res_description:地図", [], ["shelter"]),
        ("res_url:example.jp/s", [], ["shelter"]),
        ("maintainer:危機", [], ["shelter"]),
        ("type:dataset", ["tags:人口"], ["pop"]),
        ("dataset_type:harvest", [], []),
        ("capacity:public", ["municipality:452017"], ["kids"]),
        ("state:active", ["tags:統計"], ["pop"]),
        ("id:0000*", [], []),
        ("id:not-a-uuid", [], []),
        ("quality:nosuch", [], []),
        ("quality:nosuch*", [], []),
    ],
)
def test_query_syntax(backend, three, q, fq, expected):
    assert _find(backend, q, fq=fq) == expected


def test_a_dataset_is_found_by_its_id_and_organization_id(backend, three):
    assert _find(backend, f"id:{three.pk}") == ["pop"]
    assert _find(backend, f"owner_org:{three.organization_id}") == ["pop", "shelter"]
    assert _find(backend, "owner_org:johoseisaku") == ["kids", "pop", "shelter"]


@pytest.fixture
def dated(make_dataset):
    """Three datasets created and modified at known times (UTC)."""
    from datetime import UTC, datetime

    from kanmin.catalog.models import Dataset

    times = {
        "old": (datetime(2019, 6, 1, tzinfo=UTC), datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC)),
        "mid": (datetime(2019, 7, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)),
        "new": (datetime(2020, 5, 1, tzinfo=UTC), datetime(2021, 3, 1, 12, tzinfo=UTC)),
    }
    for name, (created, modified) in times.items():
        dataset = make_dataset(name, f"{name}のデータ", tags=["防災"] if name != "mid" else [])
        Dataset.all_tenants.filter(pk=dataset.pk).update(created=created, modified=modified)


@pytest.mark.parametrize(
    ("q", "fq", "expected"),
    [
        ("", ["metadata_modified:[2020-01-01T00:00:00Z TO *]"], ["mid", "new"]),
        ("", ["metadata_modified:{2020-01-01T00:00:00Z TO *]"], ["new"]),
        ("", ["metadata_modified:[* TO 2020-01-01T00:00:00Z}"], ["old"]),
        ("", ["metadata_modified:[* TO 2020-01-01T00:00:00Z]"], ["mid", "old"]),
        ("", ["metadata_modified:[2020-01-01T00:00:00.000000Z TO 2021-01-01]"], ["mid"]),
        ("", ["metadata_modified:[2020-01-01T09:00:00+09:00 TO NOW]"], ["mid", "new"]),
        ("", ["metadata_modified:[* TO *]"], ["mid", "new", "old"]),
        ("metadata_created:[2019-06-15T00:00:00Z TO 2020-06-01T00:00:00Z]", [], ["mid", "new"]),
        ("metadata_modified:2020-01-01T00\\:00\\:00Z", [], ["mid"]),
        ("tags:防災 AND metadata_created:[2019-06-15 TO *]", [], ["new"]),
        ("-metadata_modified:[2020-01-01T00:00:00Z TO *]", [], ["old"]),
        ("metadata_created:[NOW-1YEAR TO NOW]", [], []),
        ("metadata_created:[2019-01-01T00:00:00Z TO NOW/DAY+1DAY]", [], ["mid", "new", "old"]),
        ("num_tags:[1 TO *]", [], ["new", "old"]),
        ("num_tags:0", [], ["mid"]),
        ("num_resources:{0 TO *]", [], []),
        (
            "num_resources:[0 TO 0] AND metadata_modified:[2020-01-01T00:00:00Z TO *]",
            [],
            ["mid", "new"],
        ),
    ],
)
def test_ranges_of_times(backend, dated, q, fq, expected):
    assert _find(backend, q, fq=fq) == expected


def test_sort_by_id_as_harvesters_page(backend, dated):
    found = search.dataset_search(
        municipality=None, viewer=None, sort="id asc", rows=10, backend=backend
    )
    assert [str(pk) for pk in found.ids] == sorted(str(pk) for pk in found.ids)
    found = search.dataset_search(
        municipality=None, viewer=None, sort="id desc", rows=10, backend=backend
    )
    assert [str(pk) for pk in found.ids] == sorted((str(pk) for pk in found.ids), reverse=True)


@pytest.mark.parametrize(
    ("q", "sort"),
    [
        ("metadata_modified:[2020 TO *]", None),
        ("metadata_modified:[2020-01-01 TO]", None),
        ("metadata_modified:[2020-01-01 2021-01-01]", None),
        ("title:[a TO b]", None),
        ("[a TO b]", None),
        ("metadata_created:[NOW-1FORTNIGHT TO *]", None),
        ("num_tags:[one TO *]", None),
        ("num_tags:[-1 TO *]", None),
    ],
)
def test_a_bad_range_is_a_query_error(backend, dated, q, sort):
    with pytest.raises(search.QueryError):
        search.dataset_search(municipality=None, viewer=None, q=q, sort=sort, backend=backend)


@pytest.mark.parametrize(
    ("q", "sort"),
    [
        ("nosuchfield:x", None),
        ("(人口", None),
        ("人口)", None),
        ("人口 AND", None),
        ("NOT", None),
        ("AND 人口", None),
        ("x" * 2001, None),
        ("人口", "nosuch asc"),
        ("人口", "name sideways"),
        ("人口", "name asc extra"),
    ],
)
def test_a_bad_query_or_sort_is_a_query_error(backend, three, q, sort):
    with pytest.raises(search.QueryError):
        search.dataset_search(municipality=None, viewer=None, q=q, sort=sort, backend=backend)


def test_facets_sort_and_pages(backend, make_dataset, miyakonojo, miyazaki, other_org):
    make_dataset("bb", "B", tags=["防災"], resources=[{"url": "https://e.jp/1.csv"}])
    make_dataset("aa", "A", tags=["防災", "人口"], license_id="cc-zero")
    make_dataset("cc", "C", municipality=miyazaki, organization=other_org)
    fields = ["tags", "organization", "res_format", "license_id", "municipality", "quality"]
    result = search.dataset_search(
        municipality=None, viewer=None, sort="name desc", facet_fields=fields, backend=backend
    )
    assert result.count == 3
    assert _names(result) == ["cc", "bb", "aa"]
    assert result.sort == "name desc"
    counts = {k: {i.name: i.count for i in v} for k, v in result.facets.items()}
    assert counts["tags"] == {"防災": 2, "人口": 1}
    assert counts["organization"] == {"johoseisaku": 3}  # two municipalities, one name
    assert counts["res_format"] == {"CSV": 1}
    assert counts["license_id"] == {"cc-by-4.0": 2, "cc-zero": 1}
    assert counts["municipality"] == {"452025": 2, "452017": 1}
    assert counts["quality"] == {"none": 3}
    titles = {k: [i.display_name for i in v] for k, v in result.facets.items()}
    assert titles["municipality"] == ["都城市", "宮崎市"]  # most frequent first
    assert titles["license_id"] == [licenses.get("cc-by-4.0").title, licenses.get("cc-zero").title]
    assert titles["quality"] == [quality.band_label("none")]
    at_home = search.dataset_search(
        municipality=miyakonojo, viewer=None, facet_fields=["organization"], backend=backend
    )
    assert [(i.name, i.display_name, i.count) for i in at_home.facets["organization"]] == [
        ("johoseisaku", "情報政策課", 2)
    ]

    def page(start: int, rows: int, sort: str) -> tuple[int, list[str]]:
        found = search.dataset_search(
            municipality=None, viewer=None, sort=sort, start=start, rows=rows, backend=backend
        )
        return found.count, _names(found)

    assert page(0, 2, "name asc") == (3, ["aa", "bb"])
    assert page(2, 2, "name asc") == (3, ["cc"])
    assert page(3, 2, "name asc") == (3, [])
    assert page(1, 0, "name asc") == (3, [])
    assert page(0, 3, "title_string desc") == (3, ["cc", "bb", "aa"])
    assert page(0, 3, "metadata_created asc") == (3, ["bb", "aa", "cc"])
    assert page(0, 3, "metadata_modified desc") == (3, ["cc", "aa", "bb"])
    assert page(0, 3, "") == page(0, 3, "score desc, metadata_modified desc")


def test_facet_limit_mincount_and_unknown_fields(backend, make_dataset):
    make_dataset("t1", "一", tags=["防災", "人口", "統計"])
    make_dataset("t2", "二", tags=["防災", "人口"])
    make_dataset("t3", "三", tags=["防災"])

    def tags(**kw) -> list[tuple[str, int]]:
        found = search.dataset_search(
            municipality=None, viewer=None, facet_fields=["tags", "nosuch"], backend=backend, **kw
        )
        assert found.facets["nosuch"] == []
        return [(i.name, i.count) for i in found.facets["tags"]]

    assert tags() == [("防災", 3), ("人口", 2), ("統計", 1)]
    assert tags(facet_limit=2) == [("防災", 3), ("人口", 2)]
    assert tags(facet_limit=-1, facet_mincount=2) == [("防災", 3), ("人口", 2)]
    assert tags(q="tags:統計") == [("人口", 1), ("統計", 1), ("防災", 1)]  # ties by name
    only_unknown = search.dataset_search(
        municipality=None, viewer=None, facet_fields=["nosuch"], backend=backend
    )
    assert only_unknown.facets == {"nosuch": []}
    assert only_unknown.count == 3


def test_who_sees_what(backend, make_dataset, miyakonojo, miyazaki, other_org, steward):
    make_dataset("open", "公開データ")
    make_dataset("wip", "作成中のデータ", state=DatasetState.DRAFT)
    make_dataset("hidden", "非公開データ", state=DatasetState.PRIVATE)
    make_dataset("gone", "取下げたデータ", state=DatasetState.WITHDRAWN)
    make_dataset("theirs", "宮崎のデータ", municipality=miyazaki, organization=other_org)
    make_dataset(
        "their-wip",
        "宮崎の作成中データ",
        municipality=miyazaki,
        organization=other_org,
        state=DatasetState.DRAFT,
    )

    def find(viewer, municipality=miyakonojo, **kw) -> list[str]:
        return _find(backend, "データ", viewer=viewer, municipality=municipality, **kw)

    everything = {"include_private": True, "include_drafts": True}
    assert find(AnonymousUser(), **everything) == ["open"]
    assert find(steward) == ["open"]
    assert find(steward, include_private=True) == ["hidden", "open"]
    assert find(steward, include_drafts=True) == ["gone", "open", "wip"]
    assert find(steward, **everything) == ["gone", "hidden", "open", "wip"]
    assert find(steward, None, **everything) == ["gone", "hidden", "open", "theirs", "wip"]
    assert find(steward, None, staff_within=miyazaki, **everything) == ["open", "theirs"]
    assert find(None, None, **everything) == [
        "gone",
        "hidden",
        "open",
        "their-wip",
        "theirs",
        "wip",
    ]
    assert find(AnonymousUser(), miyazaki) == ["theirs"]


# --------------------------------------------------------------------------------------------
# Every backend agrees with every other on a larger generated catalog
# --------------------------------------------------------------------------------------------

PLACES = ["本町", "姫城町", "中町", "上町", "高城町", "山之口町", "ほんまち", "ﾎﾝﾏﾁ"]
THINGS = ["避難所", "公園", "AED", "人口", "ごみ", "バス停", "Wi-Fi"]
FORMATS = ["CSV", "XLSX", "PDF", "GeoJSON"]
QUERIES = [
    "",
    "町",
    "本町",
    "ホンマチ",
    "ほんまち",
    "避難所 公園",
    "公園 OR ごみ",
    "NOT 本町",
    "-公園",
    '"高城町の避難所"',
    "tags:防災",
    "tags:防*",
    "res_format:CSV",
    "organization:kikikanri",
    "groups:bosai OR groups:kanko",
    "license_id:cc-by-4.0",
    "standard_dataset:aed",
    "municipality:452025",
    "*:*",
    "wi-fi",
    "(本町 OR 中町) AND tags:観光",
    "quality:none",
    "quality:high OR quality:low",
    "title:避難所 OR notes:本町",
]
FQ = [[], ["res_format:CSV"], ['tags:"防災"', "organization:kanko"], ["groups:bosai"]]
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "standard_dataset"]
FACETS += ["quality"]


@pytest.fixture
def catalog(miyakonojo, miyazaki, org, other_org):
    rng = random.Random(7)
    orgs = {
        miyakonojo: [
            org,
            services.organization_create(
                municipality=miyakonojo, actor=None, name="kikikanri", title_ja="危機管理課"
            ),
            services.organization_create(
                municipality=miyakonojo, actor=None, name="kanko", title_ja="観光課"
            ),
        ],
        miyazaki: [other_org],
    }
    groups = {
        m: [
            services.group_create(municipality=m, actor=None, name=n, title_ja=t)
            for n, t in (("bosai", "防災"), ("kanko", "観光"))
        ]
        for m in (miyakonojo, miyazaki)
    }
    for i in range(60):
        municipality = miyakonojo if i % 4 else miyazaki
        title = f"{rng.choice(PLACES)}の{rng.choice(THINGS)}"
        if i % 9 == 0:
            title = "高城町の避難所一覧"
        dataset = services.dataset_create(
            municipality=municipality,
            actor=None,
            organization=rng.choice(orgs[municipality]),
            name=f"ds-{i:03d}",
            title_ja=title,
            notes_ja=rng.choice(["", "市内の一覧です。", "本町周辺のデータ"]),
            tags=rng.sample(["防災", "観光", "子育て", "統計"], rng.randint(0, 2)),
            groups=rng.sample(groups[municipality], rng.randint(0, 2)),
            license_id=rng.choice(["cc-by-4.0", "cc-zero"]),
            standard_dataset=rng.choice(["", "", "aed", "evacuation_space"]),
            state=rng.choice([DatasetState.PUBLISHED] * 4 + [DatasetState.DRAFT]),
        )
        for fmt in rng.sample(FORMATS, rng.randint(0, 2)):
            services.resource_create(
                municipality=municipality,
                actor=None,
                dataset=dataset,
                url=f"https://example.jp/{i}.{fmt.lower()}",
                format=fmt,
            )
    return miyakonojo


def _answer(result: search.SearchResult) -> tuple:
    facets = {
        name: [(item.name, item.display_name, item.count) for item in items]
        for name, items in result.facets.items()
    }
    return result.count, result.ids, result.sort, facets


@pytest.mark.parametrize("where", ["tenant", "root"])
@pytest.mark.parametrize("sort", ["metadata_modified desc", "metadata_created asc", None])
@pytest.mark.parametrize("remembered", [256, 2])
def test_every_backend_gives_the_same_answers(catalog, where, sort, remembered, monkeypatch):
    """Words repeat across the queries (and the sorts): answers from the memory index's
    remembered word masks, and with only two remembered, from masks computed again, are the
    same too."""
    monkeypatch.setattr(memory_backend, "TEXT_MASKS", remembered)
    backends = {name: _fresh(name) for name in BACKENDS}
    municipality = catalog if where == "tenant" else None
    for q, fq in product(QUERIES, FQ):
        answers = {
            name: _answer(
                search.dataset_search(
                    municipality=municipality,
                    viewer=AnonymousUser(),
                    q=q,
                    fq=fq,
                    sort=sort,
                    rows=7,
                    start=2,
                    facet_fields=FACETS + ([] if municipality else ["municipality"]),
                    facet_limit=50,
                    backend=backend,
                )
            )
            for name, backend in backends.items()
        }
        first = answers.pop("database")
        for name, answer in answers.items():
            assert answer == first, (name, q, fq)


# --------------------------------------------------------------------------------------------
# The memory backend and the setting
# --------------------------------------------------------------------------------------------


def test_the_database_backend_answers_every_field_of_the_language():
    assert set(QUERY_FIELDS) == search.FIELDS


def test_the_memory_index_sees_every_write(catalog, steward, make_dataset):
    backend = MemoryBackend()

    def found(q: str, **kw) -> search.SearchResult:
        return search.dataset_search(
            municipality=catalog, viewer=AnonymousUser(), q=q, backend=backend, **kw
        )

    assert found("新設").count == 0
    built = backend._index
    assert built is not None
    dataset = make_dataset("new-one", "新設の公園", state=DatasetState.DRAFT)
    assert found("新設").count == 0
    services.dataset_publish(municipality=catalog, actor=steward, dataset=dataset)
    assert _names(found("新設")) == ["new-one"]
    assert backend._index is not built  # rebuilt after the write
    services.resource_create(
        municipality=catalog,
        actor=steward,
        dataset=dataset,
        url="https://example.jp/x.kml",
        format="KML",
        name="配置図",
    )
    assert found("配置図", fq=["res_format:KML"]).count == 1
    services.dataset_withdraw(municipality=catalog, actor=steward, dataset=dataset)
    assert found("新設").count == 0


@pytest.mark.parametrize(
    ("q", "sort", "staff"),
    [
        ("title:避難所", None, False),
        ("避難所", "title_string asc", False),
        ("避難所", None, True),
        ("id:ds-000", None, False),
        ("quality:h*", None, False),
    ],
)
def test_what_the_index_does_not_hold_goes_to_the_database(catalog, steward, q, sort, staff):
    backend = MemoryBackend()
    args = {
        "municipality": catalog,
        "viewer": steward if staff else AnonymousUser(),
        "q": q,
        "sort": sort,
        "include_drafts": staff,
        "facet_fields": FACETS,
    }
    answer = search.dataset_search(backend=backend, **args)
    assert backend._index is None  # never built: the database answered
    assert _answer(answer) == _answer(search.dataset_search(backend=DatabaseBackend(), **args))
    search.dataset_search(backend=backend, municipality=catalog, viewer=AnonymousUser(), q="町")
    assert backend._index is not None


def test_the_setting_chooses_the_backend(settings, monkeypatch):
    monkeypatch.delenv("KANMIN_SEARCH_BACKEND", raising=False)
    assert conf.get("KANMIN_SEARCH_BACKEND") == "memory"  # the embedded default
    settings.KANMIN_SEARCH_BACKEND = "memory"
    assert isinstance(get_search_backend(), MemoryBackend)
    settings.KANMIN_SEARCH_BACKEND = "database"
    assert isinstance(get_search_backend(), DatabaseBackend)
    assert get_search_backend() is get_search_backend()
    monkeypatch.setenv("KANMIN_SEARCH_BACKEND", "solr")
    assert conf.errors() == ["KANMIN_SEARCH_BACKEND: expected memory or database, got 'solr'"]
    monkeypatch.setenv("KANMIN_SEARCH_BACKEND", "database")
    assert conf.get("KANMIN_SEARCH_BACKEND") == "database"
