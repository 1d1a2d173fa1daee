from __future__ import annotations

from typing import Any

import pytest

from kanmin.accounts import services as accounts_services
from kanmin.catalog import services
from kanmin.catalog.models import DatasetState


@pytest.fixture
def steward(make_user, miyakonojo):
    return make_user("steward", "data_steward", miyakonojo)


@pytest.fixture
def other_steward(make_user, miyazaki):
    return make_user("other", "data_steward", miyazaki)


@pytest.fixture
def org(miyakonojo):
    return services.organization_create(
        municipality=miyakonojo,
        actor=None,
        name="johoseisaku",
        title_ja="情報政策課",
        title_en="Information Policy Division",
    )


@pytest.fixture
def other_org(miyazaki):
    return services.organization_create(
        municipality=miyazaki, actor=None, name="johoseisaku", title_ja="宮崎市 情報政策課"
    )


@pytest.fixture
def make_dataset(miyakonojo, org):
    def make(name: str, title: str, *, state: str = DatasetState.PUBLISHED, **fields: Any):
        municipality = fields.pop("municipality", miyakonojo)
        organization = fields.pop("organization", org)
        resources = fields.pop("resources", [])
        dataset = services.dataset_create(
            municipality=municipality,
            actor=None,
            organization=organization,
            name=name,
            title_ja=title,
            state=state,
            **fields,
        )
        for resource in resources:
            services.resource_create(
                municipality=municipality, actor=None, dataset=dataset, **resource
            )
        dataset.refresh_from_db()
        return dataset

    return make


@pytest.fixture
def token_for():
    def make(user, municipality) -> str:
        _token, secret = accounts_services.api_token_create(
            municipality=municipality, actor=user, name="test"
        )
        return secret

    return make
