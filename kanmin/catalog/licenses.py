"""The license table: the licenses a dataset may carry, in CKAN's ``license_list`` shape.

A table in code rather than in the database: the list changes with national guidance, not
with a municipality's data, and CKAN ids must stay stable for API clients.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LICENSE_ID = "cc-by-4.0"


@dataclass(frozen=True)
class License:
    id: str
    title: str
    url: str
    is_open: bool
    domain_data: bool = True
    domain_content: bool = True
    domain_software: bool = False
    is_generic: bool = False
    title_en: str = ""

    @property
    def display_title(self) -> str:
        """The title in the page's language (``title`` is Japanese, as the CKAN API gives it)."""
        from django.utils.translation import get_language

        if self.title_en and (get_language() or "ja").startswith("en"):
            return self.title_en
        return self.title

    @property
    def display_url(self) -> str:
        """The licence's page, in English on English pages where the licence has one."""
        from django.utils.translation import get_language

        if self.url.endswith("/deed.ja") and (get_language() or "ja").startswith("en"):
            return self.url.removesuffix("ja") + "en"
        return self.url

    def as_ckan(self) -> dict[str, str]:
        """CKAN's shape: every value a string, booleans included."""
        return {
            "domain_content": str(self.domain_content),
            "domain_data": str(self.domain_data),
            "domain_software": str(self.domain_software),
            "family": "",
            "id": self.id,
            "is_generic": str(self.is_generic),
            "is_okd_compliant": str(self.is_open),
            "maintainer": "",
            "od_conformance": "approved" if self.is_open else "not reviewed",
            "osd_conformance": "not reviewed",
            "status": "active",
            "title": self.title,
            "url": self.url,
        }


LICENSES: tuple[License, ...] = (
    License(
        "cc-by-4.0",
        "クリエイティブ・コモンズ 表示 4.0 国際 (CC BY 4.0)",
        "https://creativecommons.org/licenses/by/4.0/deed.ja",
        True,
        title_en="Creative Commons Attribution 4.0 International (CC BY 4.0)",
    ),
    License(
        "gov-jp-2.0",
        "公共データ利用規約（第1.0版）/ 政府標準利用規約（第2.0版）",
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
        True,
        title_en=(
            "Public Data License (Version 1.0) / Government Standard Terms of Use (Version 2.0)"
        ),
    ),
    License(
        "cc-zero",
        "クリエイティブ・コモンズ CC0 1.0 (パブリックドメイン)",
        "https://creativecommons.org/publicdomain/zero/1.0/deed.ja",
        True,
        title_en="Creative Commons CC0 1.0 (public domain)",
    ),
    License(
        "cc-by-sa-4.0",
        "クリエイティブ・コモンズ 表示-継承 4.0 国際 (CC BY-SA 4.0)",
        "https://creativecommons.org/licenses/by-sa/4.0/deed.ja",
        True,
        title_en="Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
    ),
    License(
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "https://opendatacommons.org/licenses/odbl/",
        True,
        domain_content=False,
    ),
    License(
        "odc-by",
        "Open Data Commons Attribution License",
        "https://opendatacommons.org/licenses/by/",
        True,
        domain_content=False,
    ),
    License(
        "odc-pddl",
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        "https://opendatacommons.org/licenses/pddl/",
        True,
        domain_content=False,
    ),
    License("other-open", "その他 (オープン)", "", True, is_generic=True, title_en="Other (open)"),
    License(
        "other-closed",
        "その他 (非オープン)",
        "",
        False,
        is_generic=True,
        title_en="Other (not open)",
    ),
    License(
        "notspecified",
        "ライセンス未指定",
        "",
        False,
        is_generic=True,
        title_en="License not specified",
    ),
)

# CKAN's default licence ids (ckan/model/license.py) that Kanmin has no entry of its own for,
# with CKAN's titles and URLs, so that a catalog moved from CKAN keeps its licence ids as they
# are (issue 18). None is mapped to a Kanmin licence: CKAN's ``cc-by`` names no version, so it
# is not ``cc-by-4.0``; keeping the id is the only lossless choice both ways.
_OD = "http://www.opendefinition.org/licenses/"
CKAN_DEFAULTS: tuple[License, ...] = (
    License("cc-by", "Creative Commons Attribution", _OD + "cc-by", True, domain_data=False),
    License(
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        _OD + "cc-by-sa",
        True,
        domain_data=False,
    ),
    License("gfdl", "GNU Free Documentation License", _OD + "gfdl", True, domain_data=False),
    License("other-pd", "Other (Public Domain)", "", True, domain_data=False, is_generic=True),
    License("other-at", "Other (Attribution)", "", True, domain_data=False, is_generic=True),
    License(
        "uk-ogl",
        "UK Open Government Licence (OGL)",
        "http://reference.data.gov.uk/id/open-government-licence",
        True,
        domain_data=False,
    ),
    License(
        "cc-nc",
        "Creative Commons Non-Commercial (Any)",
        "http://creativecommons.org/licenses/by-nc/2.0/",
        False,
        domain_data=False,
    ),
    License("other-nc", "Other (Non-Commercial)", "", False, domain_data=False, is_generic=True),
)
LICENSES = (*LICENSES, *CKAN_DEFAULTS)

BY_ID: dict[str, License] = {lic.id: lic for lic in LICENSES}
LICENSE_CHOICES = [(lic.id, lic.title) for lic in LICENSES]


def get(license_id: str) -> License | None:
    return BY_ID.get(license_id)
