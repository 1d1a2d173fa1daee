"""The registry of staff actions: apps register in one line, the staff home lists what each
user's roles allow, grouped."""

from __future__ import annotations

import pytest

from kanmin.core import staff_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def temporary_action():
    keys: list[str] = []

    def add(key: str, **kwargs):
        staff_actions.register(key, **kwargs)
        keys.append(key)

    yield add
    for key in keys:
        staff_actions.unregister(key)


def _keys(groups):
    return {entry.key for _group, entries in groups for entry in entries}


def test_each_app_registers_its_actions_from_ready():
    keys = {action.key for action in staff_actions.all_actions()}
    assert {
        "core.departments",
        "catalog.dataset_new",
        "catalog.unpublished",
        "plan.report",
        "accounts.two_step",
    } <= keys


def test_actions_follow_the_roles_held_in_that_municipality(make_user, miyakonojo, miyazaki):
    steward = make_user("steward", "data_steward", miyakonojo)
    clerk = make_user("clerk", "department_staff", miyakonojo)
    admin = make_user("admin", "municipality_admin", miyakonojo)
    citizen = make_user("citizen", "citizen", miyakonojo)
    assert "catalog.dataset_new" in _keys(staff_actions.for_user(steward, miyakonojo))
    assert "catalog.dataset_new" not in _keys(staff_actions.for_user(clerk, miyakonojo))
    assert "core.departments" in _keys(staff_actions.for_user(admin, miyakonojo))
    assert "core.departments" not in _keys(staff_actions.for_user(steward, miyakonojo))
    assert staff_actions.for_user(steward, miyazaki) == []  # not staff there
    assert staff_actions.for_user(citizen, miyakonojo) == []


def test_a_registration_is_one_line_and_groups_come_in_order(
    temporary_action, make_user, miyakonojo
):
    temporary_action("test.audit_log", group="audit", title="Audit log", url="core:home", order=1)
    temporary_action(
        "test.hidden", group="audit", title="Hidden", url=lambda municipality, user: ""
    )
    temporary_action("test.not_installed", group="audit", title="Not installed", url="nowhere:page")
    temporary_action(
        "test.needs_perm",
        group="audit",
        title="Verify",
        url="core:home",
        permission="audit.verify_chain",
    )
    auditor = make_user("auditor", "auditor", miyakonojo)
    groups = staff_actions.for_user(auditor, miyakonojo)
    titles = [group.key for group, _entries in groups]
    assert titles == sorted(titles, key=lambda k: staff_actions._groups[k].order)
    keys = _keys(groups)
    assert "test.audit_log" in keys and "test.needs_perm" in keys
    assert "test.hidden" not in keys and "test.not_installed" not in keys
    clerk = make_user("clerk", "department_staff", miyakonojo)
    assert "test.needs_perm" not in _keys(staff_actions.for_user(clerk, miyakonojo))


def test_the_staff_home_lists_the_actions_grouped(client, make_user, miyakonojo):
    client.force_login(make_user("steward", "data_steward", miyakonojo))
    page = client.get("/m/452025/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h2 id="actions-catalog">Open data</h2>' in page
    assert (
        'data-action="catalog.dataset_new"><a class="card-title" href="/m/452025/catalog/new/"'
        in page
    )
    assert page.index('id="actions-catalog"') < page.index('id="actions-account"')
