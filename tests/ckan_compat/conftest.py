"""A live Kanmin with a small 都城市 catalog, for the real ``ckanapi`` client.

The live server runs in a thread of this process, so the database must be transactional.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent


@pytest.fixture
def catalog(transactional_db: None, live_server: Any) -> dict[str, Any]:
    from kanmin.accounts import services as accounts_services
    from kanmin.catalog import services
    from kanmin.core import services as core_services

    miyakonojo = core_services.municipality_create(
        actor=None, lg_code="452025", name_ja="都城市", name_en="Miyakonojo City"
    )
    miyazaki = core_services.municipality_create(
        actor=None, lg_code="452017", name_ja="宮崎市", name_en="Miyazaki City"
    )
    steward = accounts_services.user_create(
        actor=None,
        municipality=miyakonojo,
        username="steward",
        password="pw-steward-Long1",
        check_password=False,
    )
    accounts_services.membership_grant(
        municipality=miyakonojo, actor=None, user=steward, role="data_steward"
    )
    accounts_services.membership_grant(
        municipality=miyazaki, actor=None, user=steward, role="data_steward"
    )
    _token, secret = accounts_services.api_token_create(
        municipality=miyakonojo, actor=steward, name="ckanapi"
    )
    _token2, secret_miyazaki = accounts_services.api_token_create(
        municipality=miyazaki, actor=steward, name="ckanapi"
    )
    org = services.organization_create(
        municipality=miyakonojo, actor=None, name="bosai", title_ja="危機管理課"
    )
    services.organization_create(
        municipality=miyazaki, actor=None, name="bosai", title_ja="宮崎市 危機管理課"
    )
    for name, title, tags in [
        ("aed", "AED設置箇所一覧", ["防災", "医療"]),
        ("shelter", "指定緊急避難場所一覧（本町一丁目ほか）", ["防災"]),
        ("shops", "ホンマチ商店街 店舗一覧", ["商業"]),
    ]:
        dataset = services.dataset_create(
            municipality=miyakonojo,
            actor=None,
            organization=org,
            name=name,
            title_ja=title,
            tags=tags,
            state="published",
        )
        services.resource_create(
            municipality=miyakonojo,
            actor=None,
            dataset=dataset,
            url=f"https://example.jp/{name}.csv",
            name=f"452025_{name}.csv",
        )
    services.dataset_create(
        municipality=miyakonojo, actor=None, organization=org, name="draft", title_ja="作成中"
    )
    return {
        "root": live_server.url,
        "url": live_server.url + "/m/452025",
        "miyazaki_url": live_server.url + "/m/452017",
        "token": secret,
        "token_miyazaki": secret_miyazaki,
    }


def run_ckanapi(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ckanapi CLI (its workers are found on PATH, so the venv's bin comes first)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / "ckanapi"), *args],
        capture_output=True,
        text=True,
        input=input,
        env=env,
        timeout=120,
        check=False,
    )
