"""The form builder's services: drafts saved whatever their state, only valid and changed drafts
published, each publication a new frozen version, submissions kept on their version, tenancy and
permissions, imports."""

from __future__ import annotations

import json

import pytest

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kanmin.procedures import builder_selectors, builder_services, definitions, formspec
from kanmin.procedures.models import Form, FormVersion, Submission
from kanmin.procedures.tests import factories


@pytest.fixture(autouse=True)
def _english():
    """These tests read the messages' English wording."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def manager(make_user, miyakonojo):
    return make_user("tetsuzuki", "procedures_manager", miyakonojo)


def test_a_draft_with_problems_is_saved_but_not_published(miyakonojo, manager):
    """A half-built form is kept, and publishing it says what to fix, per page and question."""
    form = factories.form(miyakonojo, slug="jidou")
    broken = factories.two_page_definition()
    broken["pages"][1]["questions"] = []
    saved = builder_services.form_definition_save(
        municipality=miyakonojo, actor=manager, form=form, definition=broken
    )
    assert Form.objects.get(pk=saved.pk).draft_definition == broken
    with pytest.raises(Invalid) as caught:
        builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    problems = caught.value.fields["definition"]
    assert any("お子さん" in str(p) and "no questions" in str(p) for p in problems)
    assert not FormVersion.objects.filter(form=form).exists()
    assert Form.objects.get(pk=form.pk).status == Form.Status.DRAFT


def test_an_empty_new_form_cannot_be_published(miyakonojo, manager):
    form = factories.form(miyakonojo)
    assert form.draft_definition == formspec.empty_definition()
    with pytest.raises(Invalid, match="cannot be published"):
        builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)


def test_publishing_makes_numbered_frozen_versions(miyakonojo, manager):
    definition = factories.two_page_definition()
    form = factories.form(miyakonojo, definition=definition)
    form = builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    first = form.live_version
    assert (first.number, form.status) == (1, Form.Status.LIVE)
    assert first.published_by == manager
    # Editing the draft does not change the live version.
    edited, _ = formspec.add_question(
        form.draft_definition, "child", {"type": "date", "label": {"ja": "生年月日"}}
    )
    builder_services.form_definition_save(
        municipality=miyakonojo, actor=manager, form=form, definition=edited
    )
    first.refresh_from_db()
    assert first.definition == definition
    form = builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    assert form.live_version.number == 2
    assert form.live_version.definition == edited
    entry = AuditEvent.objects.filter(action="procedures.form.publish").latest("pk")
    assert "date-1" in json.dumps(entry.changes)


def test_publishing_without_changes_is_refused(miyakonojo, manager):
    form = factories.form(miyakonojo, definition=factories.two_page_definition())
    builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    with pytest.raises(Conflict, match="Nothing has changed since version 1"):
        builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    assert FormVersion.objects.filter(form=form).count() == 1


def test_a_submission_keeps_its_version_when_a_new_one_is_published(miyakonojo, manager):
    form = factories.form(miyakonojo, definition=factories.two_page_definition())
    form = builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    first = form.live_version
    submission = Submission.objects.create(
        municipality=miyakonojo,
        form=form,
        version=first,
        procedure=form.procedure,
        answers=json.dumps({"children": "yes"}),
    )
    edited = formspec.remove_page(form.draft_definition, "child")
    builder_services.form_definition_save(
        municipality=miyakonojo, actor=manager, form=form, definition=edited
    )
    form = builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    submission.refresh_from_db()
    assert submission.version_id == first.pk
    assert submission.version.definition == factories.two_page_definition()
    assert form.live_version.number == 2


def test_archive_then_publish_again_reopens_the_last_version(miyakonojo, manager):
    form = factories.form(miyakonojo, definition=factories.two_page_definition())
    form = builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    form = builder_services.form_archive(municipality=miyakonojo, actor=manager, form=form)
    assert form.status == Form.Status.ARCHIVED
    form = builder_services.form_publish(municipality=miyakonojo, actor=manager, form=form)
    assert (form.status, form.live_version.number) == (Form.Status.LIVE, 1)
    assert FormVersion.objects.filter(form=form).count() == 1


def test_an_edit_on_a_stale_copy_is_refused(miyakonojo, manager):
    form = factories.form(miyakonojo, definition=factories.two_page_definition())
    old = definitions.definition_digest(form.draft_definition)
    first = formspec.remove_page(form.draft_definition, "child")
    builder_services.form_definition_save(
        municipality=miyakonojo, actor=manager, form=form, definition=first, based_on=old
    )
    second, _ = formspec.add_page(form.draft_definition, title={"ja": "連絡先"})
    with pytest.raises(Conflict):
        builder_services.form_definition_save(
            municipality=miyakonojo, actor=manager, form=form, definition=second, based_on=old
        )
    assert Form.objects.get(pk=form.pk).draft_definition == first


def test_slug_is_unique_per_municipality(miyakonojo, miyazaki, manager):
    factories.form(miyakonojo, slug="jidou")
    with pytest.raises(Invalid) as caught:
        factories.form(miyakonojo, slug="jidou")
    assert "slug" in caught.value.fields
    assert factories.form(miyazaki, slug="jidou").municipality == miyazaki


def test_import_takes_a_downloaded_version_and_refuses_bad_json(miyakonojo, manager):
    form = factories.form(miyakonojo)
    data = json.dumps({"form": "x", "version": 3, "definition": factories.two_page_definition()})
    form = builder_services.form_definition_import(
        municipality=miyakonojo, actor=manager, form=form, data=data.encode()
    )
    assert form.draft_definition == factories.two_page_definition()
    with pytest.raises(Invalid, match="line 1, column"):
        builder_services.form_definition_import(
            municipality=miyakonojo, actor=manager, form=form, data=b'{"pages": [}'
        )
    with pytest.raises(Invalid, match="pages"):
        builder_services.form_definition_import(
            municipality=miyakonojo, actor=manager, form=form, data=b"[1, 2]"
        )


def test_another_municipality_cannot_change_or_find_the_form(miyakonojo, miyazaki, make_user):
    form = factories.form(miyakonojo, slug="jidou", definition=factories.two_page_definition())
    other = make_user("other", "procedures_manager", miyazaki)
    with pytest.raises(NotFound):
        builder_services.form_publish(municipality=miyazaki, actor=other, form=form)
    with pytest.raises(NotFound):
        builder_selectors.form_get(municipality=miyazaki, slug="jidou")
    assert list(builder_selectors.form_list(municipality=miyazaki)) == []


def test_department_staff_cannot_build_forms(miyakonojo, make_user):
    form = factories.form(miyakonojo, definition=factories.two_page_definition())
    staff = make_user("kakari", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        builder_services.form_publish(municipality=miyakonojo, actor=staff, form=form)
    with pytest.raises(PermissionDenied):
        builder_services.form_create(
            municipality=miyakonojo,
            actor=staff,
            procedure=form.procedure,
            slug="new",
            title_ja="新しい様式",
        )


def test_a_form_cannot_take_an_address_the_apply_pages_use(miyakonojo, manager):
    """``apply/status/<reference>/`` is the status page: a form named ``status`` would never
    open."""
    with pytest.raises(Invalid) as caught:
        builder_services.form_create(
            municipality=miyakonojo,
            actor=manager,
            procedure=factories.procedure(miyakonojo),
            slug="status",
            title_ja="様式",
        )
    assert "slug" in caught.value.fields
