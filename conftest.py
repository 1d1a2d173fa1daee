"""Shared fixtures: municipalities, users with roles, and a fresh media folder per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    if not settings.ENCRYPTION_KEYS:
        raise pytest.UsageError(
            "KANMIN_ENCRYPTION_KEYS is empty: run the suite with `make test` "
            "(scripts/test.sh sets the test environment)."
        )


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _answer_cache(tmp_path: Path, settings: Any) -> None:
    """A shared cache of its own per test (the embedded default's file, made when used). The
    catalog's generation token goes back with each test's rolled-back transaction, so answers
    kept by an earlier test could otherwise be found again under the same key."""
    from kanmin.core import conf

    settings.CACHES = conf.caches("", tmp_path)


@pytest.fixture
def miyakonojo(db: None) -> Any:
    from kanmin.core import services

    return services.municipality_create(
        actor=None,
        lg_code="452025",
        name_ja="都城市",
        name_kana="みやこのじょうし",
        name_en="Miyakonojo City",
    )


@pytest.fixture
def miyazaki(db: None) -> Any:
    from kanmin.core import services

    return services.municipality_create(
        actor=None, lg_code="452017", name_ja="宮崎市", name_en="Miyazaki City"
    )


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """make_user("name", role, municipality): a user holding one role (password "pw-…")."""
    from kanmin.accounts import services

    def make(username: str, role: str | None = None, municipality: Any = None) -> Any:
        user = services.user_create(
            actor=None,
            municipality=municipality,
            username=username,
            password=f"pw-{username}-Long1",
            check_password=False,
        )
        if role is not None:
            services.membership_grant(
                municipality=None if role == "platform_admin" else municipality,
                actor=None,
                user=user,
                role=role,
            )
        return user

    return make


@pytest.fixture
def single_tenant(settings: Any) -> Iterator[None]:
    """Kanmin serving one municipality (都城市) at the root of the site."""
    from django.urls import clear_url_caches

    settings.KANMIN_SINGLE_TENANT = "452025"
    settings.ROOT_URLCONF = "kanmin.urls_single"
    clear_url_caches()
    yield
    clear_url_caches()


@pytest.fixture
def not_found_page(client: Any) -> Callable[..., str]:
    """not_found_page(url, **headers): the page a GET of ``url`` answers, which must be a 404."""

    def get(url: str, **headers: Any) -> str:
        response = client.get(url, **headers)
        if response.status_code != 404:
            pytest.fail(f"{url} answered {response.status_code}, not 404")
        return str(response.content.decode())

    return get


def password_of(username: str) -> str:
    return f"pw-{username}-Long1"
