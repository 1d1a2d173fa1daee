"""The in-process search index answers every public search exactly as the SQL path does, and
notices every write."""

from __future__ import annotations

import random
from itertools import product

import pytest
from django.contrib.auth.models import AnonymousUser

from kanmin.catalog import search_index, selectors, services
from kanmin.catalog.models import DatasetState

pytestmark = pytest.mark.django_db

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
]
FQ = [[], ["res_format:CSV"], ['tags:"防災"', "organization:kanko"], ["groups:bosai"]]
FACETS = [
    "organization",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "standard_dataset",
    "quality",
]


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


def _answer(result: selectors.SearchResult) -> tuple:
    facets = {
        name: sorted((item.name, item.display_name, item.count) for item in items)
        for name, items in result.facets.items()
    }
    return result.count, [d.name for d in result.datasets], facets


@pytest.mark.parametrize("where", ["tenant", "root"])
@pytest.mark.parametrize("sort", ["metadata_modified desc", "metadata_created asc", None])
@pytest.mark.parametrize("remembered", [256, 2])
def test_the_index_answers_as_sql_does(catalog, where, sort, remembered, monkeypatch):
    """Words repeat across the queries (and the sorts): answers from remembered word
    masks, and with only two remembered, from masks computed again, are the same."""
    monkeypatch.setattr(search_index, "TEXT_MASKS", remembered)
    search_index._current = None
    municipality = catalog if where == "tenant" else None
    for q, fq in product(QUERIES, FQ):
        args = {
            "municipality": municipality,
            "viewer": AnonymousUser(),
            "q": q,
            "fq": fq,
            "sort": sort,
            "rows": 7,
            "start": 2,
            "facet_fields": FACETS + ([] if municipality else ["municipality"]),
            "facet_limit": 50,
        }
        fast = selectors.dataset_search(**args)
        slow = selectors.dataset_search(**args, use_index=False)
        assert _answer(fast) == _answer(slow), (q, fq)


def test_the_index_is_used_and_sees_every_write(catalog, steward, make_dataset):
    search_index._current = None
    before = selectors.dataset_search(municipality=catalog, viewer=AnonymousUser(), q="新設")
    assert before.count == 0
    built = search_index._current
    assert built is not None
    dataset = make_dataset("new-one", "新設の公園", state=DatasetState.DRAFT)
    assert (
        selectors.dataset_search(municipality=catalog, viewer=AnonymousUser(), q="新設").count == 0
    )
    services.dataset_publish(municipality=catalog, actor=steward, dataset=dataset)
    after = selectors.dataset_search(municipality=catalog, viewer=AnonymousUser(), q="新設")
    assert [d.name for d in after.datasets] == ["new-one"]
    assert search_index._current is not built  # rebuilt after the write
    services.resource_create(
        municipality=catalog,
        actor=steward,
        dataset=dataset,
        url="https://example.jp/x.kml",
        format="KML",
        name="配置図",
    )
    found = selectors.dataset_search(
        municipality=catalog, viewer=AnonymousUser(), q="配置図", fq=["res_format:KML"]
    )
    assert found.count == 1
    services.dataset_withdraw(municipality=catalog, actor=steward, dataset=dataset)
    assert (
        selectors.dataset_search(municipality=catalog, viewer=AnonymousUser(), q="新設").count == 0
    )


def test_a_field_the_index_does_not_hold_is_answered_by_sql(catalog):
    result = selectors.dataset_search(
        municipality=catalog, viewer=AnonymousUser(), q="title:避難所", sort="title_string asc"
    )
    slow = selectors.dataset_search(
        municipality=catalog,
        viewer=AnonymousUser(),
        q="title:避難所",
        sort="title_string asc",
        use_index=False,
    )
    assert _answer(result) == _answer(slow)
    assert result.count > 0
