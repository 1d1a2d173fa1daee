"""The catalog publishes itself as the standard data set オープンデータ一覧
(``<code>_open_data_list.csv``): one row per published dataset, rewritten after every change
of what is published."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from kanmin.catalog import licenses
from kanmin.catalog.models import Dataset, DatasetState
from kanmin.core.jp_text import replace_platform_dependent
from kanmin.core.spreadsheet import write_rows
from kanmin.core.tenancy import tenant_reverse

COLUMNS = (
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "データ名称",
    "データ概要",
    "データ形式",
    "分類",
    "更新頻度",
    "URL",
    "API対応有無",
    "ライセンス",
    "登録日",
    "最終更新日",
    "備考",
)

# 分類 (the statistical fields of the standard's code list) for each standard data set.
CATEGORY_BY_STANDARD = {
    "aed": "社会保障・衛生",
    "care_service": "社会保障・衛生",
    "hospital": "社会保障・衛生",
    "food_business": "社会保障・衛生",
    "preschool": "教育・文化・スポーツ・生活",
    "school_district": "教育・文化・スポーツ・生活",
    "school_lunch": "教育・文化・スポーツ・生活",
    "cultural_property": "教育・文化・スポーツ・生活",
    "event": "教育・文化・スポーツ・生活",
    "evacuation_space": "司法・安全・環境",
    "fire_hydrant": "司法・安全・環境",
    "population": "人口・世帯",
    "tourism": "運輸・観光",
    "public_wireless_lan": "情報通信・科学技術",
    "public_facility": "行財政",
    "public_toilet": "住宅・土地・建設",
    "open_data_list": "行財政",
}
FREQUENCY_JA = {
    "continuous": "随時",
    "daily": "毎日",
    "weekly": "毎週",
    "monthly": "毎月",
    "quarterly": "四半期ごと",
    "annual": "毎年",
    "irregular": "不定期",
    "never": "更新なし",
}


def full_name(municipality: Any) -> str:
    """The name as the standards write it, prefecture first: 宮崎県都城市."""
    from kanmin.core.lg_code import PREFECTURES

    prefecture = next((p for p in PREFECTURES if p.code == municipality.lg_code[:2]), None)
    if prefecture is None or municipality.name_ja.startswith(prefecture.name_ja):
        return str(municipality.name_ja)
    return f"{prefecture.name_ja}{municipality.name_ja}"


def file_name(municipality: Any) -> str:
    return f"{municipality.lg_code}_open_data_list.csv"


def storage_name(municipality: Any) -> str:
    return f"catalog/{municipality.lg_code}/{file_name(municipality)}"


def rows(municipality: Any) -> list[list[str]]:
    """One row per published dataset of the municipality, in the standard's column order."""
    base = settings.KANMIN_BASE_URL
    datasets = (
        Dataset.all_tenants.filter(municipality=municipality, state=DatasetState.PUBLISHED)
        .prefetch_related("resources")
        .order_by("created", "name")
    )
    out = []
    for number, dataset in enumerate(datasets, start=1):
        formats = sorted({r.format.upper() for r in dataset.resources.all() if r.format})
        license_ = licenses.get(dataset.license_id)
        standard = dataset.standard_dataset.split("/")[-1]
        path = tenant_reverse("catalog:dataset_detail", municipality, {"name": dataset.name})
        out.append(
            [
                municipality.lg_code,
                f"{municipality.lg_code}-{number:05d}",
                full_name(municipality),
                replace_platform_dependent(dataset.title_ja),
                replace_platform_dependent(" ".join(dataset.notes_ja.split())[:500]),
                ";".join(formats) or "その他",
                CATEGORY_BY_STANDARD.get(standard, "その他"),
                FREQUENCY_JA.get(dataset.update_frequency, ""),
                f"{base}{path}",
                "有",  # every dataset is served by the CKAN API and DCAT
                license_.title if license_ else dataset.license_id,
                f"{dataset.created:%Y-%m-%d}",
                f"{dataset.modified:%Y-%m-%d}",
                f"標準データセット: {standard}" if standard else "",
            ]
        )
    return out


def render(municipality: Any) -> bytes:
    """The list as UTF-8 CSV with a BOM (opens in Japanese Excel), formula-safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    write_rows(buffer, [COLUMNS, *rows(municipality)])
    return buffer.getvalue().encode("utf-8")


def write(municipality: Any, content: bytes) -> str:
    """Rewrite the stored list; returns its storage name."""
    name = storage_name(municipality)
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))
