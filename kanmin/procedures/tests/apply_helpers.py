"""What the apply tests share: a procedure and a live form made from a definition."""

from __future__ import annotations

import copy
from typing import Any

from kanmin.procedures import apply_services
from kanmin.procedures.models import Form, Procedure

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def procedure(municipality: Any, code: str = "jido-teate") -> Procedure:
    found, _ = Procedure.objects.get_or_create(
        municipality=municipality, code=code, defaults={"name_ja": code, "is_online": True}
    )
    return found


def install(municipality: Any, slug: str = "jido-teate", **changes: Any) -> Form:
    definition = copy.deepcopy(apply_services.form_file(slug))
    definition.update(changes)
    return apply_services.form_install(
        municipality=municipality,
        procedure=procedure(municipality, definition["procedure"]),
        definition=definition,
    )


def name(prefix: str, family: str = "都城", given: str = "花子") -> dict[str, str]:
    return {
        f"{prefix}__family": family,
        f"{prefix}__given": given,
        f"{prefix}__family_kana": "みやこのじょう",
        f"{prefix}__given_kana": "ﾊﾅｺ",
    }


CLAIMANT = {
    **name("name"),
    "birth_date": "平成2年4月1日",
    "address__postcode": "〒885-0006",
    "address__town": "",
    "address__rest": "1-2-3",
    "phone": "０９０－１２３４－５６７８",
    "email": "hanako@example.jp",
}
SPOUSE = {**name("spouse_name", given="太郎"), "spouse_birth_date": "R1.5.1"}
CHILDREN = {
    **name("eldest_name", given="一郎"),
    "child_count": "1",
    "eldest_birth_date": "2022-06-01",
}
BANK = {
    "bank_name": "都城銀行 本店",
    "account_type": "futsu",
    "account_number": "0123456",
    "consent": "1",
}
