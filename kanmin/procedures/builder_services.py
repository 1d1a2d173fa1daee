"""The staff form builder's writes: create a form, save its draft, publish it as a new version,
archive it, import a definition.

A draft is saved whatever state it is in (a form is built over several sittings, and nothing a
clerk typed is lost), but only a definition that :func:`formspec.parse` accepts is published.
Publishing freezes the draft into a new ``FormVersion``; submissions keep the version they were
started on, so publishing never touches them.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from kanmin.core.actions import Changed, Outcome, Unchanged, action
from kanmin.core.errors import Conflict, Invalid, full_clean
from kanmin.core.models import Municipality
from kanmin.procedures import formspec
from kanmin.procedures.definitions import definition_digest, definition_from_json
from kanmin.procedures.models import Form, FormVersion, Procedure

# Addresses under apply/ that the resident's pages use themselves (apply/status/…,
# apply/postcode/…, apply/resume/…): a form with one of these names could never be opened.
RESERVED_SLUGS = frozenset({"status", "postcode", "resume"})


def _problems_error(problems: Sequence[str], message: str) -> Invalid:
    return Invalid(message, code="form_invalid", fields={"definition": list(problems)})


@action("procedures.form.create", perm="procedures.add_form")
def form_create(
    *,
    municipality: Municipality,
    actor: Any,
    procedure: Procedure,
    slug: str,
    title_ja: str,
    title_en: str = "",
) -> Outcome[Form]:
    """A new draft form of ``procedure`` with no pages yet."""
    slug = (slug or "").strip()
    fields: dict[str, list[Any]] = {}
    if not title_ja.strip():
        fields["title_ja"] = [_("Write the form's title in Japanese, as residents will see it.")]
    if not slug:
        fields["slug"] = [_("Write the form's address name, e.g. jidou-teate.")]
    elif slug in RESERVED_SLUGS:
        fields["slug"] = [
            _("%(slug)s is a word the application pages use themselves; choose another.")
            % {"slug": slug}
        ]
    elif Form.all_tenants.filter(municipality=municipality, slug=slug).exists():
        fields["slug"] = [
            _("A form with the address name %(slug)s already exists; choose another.")
            % {"slug": slug}
        ]
    if fields:
        raise Invalid(fields=fields)
    form = Form(
        municipality=municipality,
        procedure=procedure,
        slug=slug,
        title_ja=title_ja.strip(),
        title_en=title_en.strip(),
        draft_definition=formspec.empty_definition(),
    )
    full_clean(form, exclude=["live_version"])
    form.save()
    return Changed(form, after={"slug": slug, "procedure": procedure.code, "title_ja": title_ja})


@action("procedures.form.update", perm="procedures.change_form", on="form")
def form_update(
    *, municipality: Municipality, actor: Any, form: Form, title_ja: str, title_en: str = ""
) -> Outcome[Form]:
    """Change the form's titles (the address name stays: links to it are out there)."""
    if not title_ja.strip():
        raise Invalid(
            fields={"title_ja": [_("Write the form's title in Japanese, as residents see it.")]}
        )
    before = {"title_ja": form.title_ja, "title_en": form.title_en}
    after = {"title_ja": title_ja.strip(), "title_en": title_en.strip()}
    if before == after:
        return Unchanged(form)
    form.title_ja, form.title_en = after["title_ja"], after["title_en"]
    form.save(update_fields=["title_ja", "title_en", "updated_at"])
    return Changed(form, before=before, after=after)


@action("procedures.form.definition_save", perm="procedures.change_form", on="form")
def form_definition_save(
    *,
    municipality: Municipality,
    actor: Any,
    form: Form,
    definition: dict[str, Any],
    based_on: str | None = None,
) -> Outcome[Form]:
    """Save the draft, problems and all (they are shown, and block publishing only).
    ``based_on``: the digest of the draft the edit was made on; another one means someone saved
    in the meantime, and the edit is refused rather than overwriting theirs."""
    if not isinstance(definition, dict) or not isinstance(definition.get("pages"), list):
        raise Invalid(_("A form definition is an object with a list of pages."))
    current = Form.all_tenants.select_for_update().get(pk=form.pk)
    if based_on is not None and based_on != definition_digest(current.draft_definition):
        raise Conflict(
            _(
                "Someone changed this form's draft after you opened it. Reload the editor, "
                "then make your change again."
            )
        )
    if current.draft_definition == definition:
        return Unchanged(form)
    form.draft_definition = definition
    form.save(update_fields=["draft_definition", "updated_at"])
    return Changed(
        form,
        extra={
            "pages": len(definition["pages"]),
            "questions": len(formspec.question_ids(definition)),
        },
    )


def _latest(form: Form) -> FormVersion | None:
    return FormVersion.all_tenants.filter(form=form).order_by("-number").first()


@action("procedures.form.publish", perm="procedures.change_form", on="form")
def form_publish(*, municipality: Municipality, actor: Any, form: Form) -> Outcome[Form]:
    """Freeze the draft into version n+1 and make it live. Refused when the draft has problems
    or is the same as the last version (an archived form with an unchanged draft is made live
    again on its last version)."""
    form = Form.all_tenants.select_for_update().get(pk=form.pk)
    try:
        formspec.parse(form.draft_definition)
    except formspec.SpecError as exc:
        raise _problems_error(
            exc.problems,
            _("The form cannot be published yet: fix the problems listed, then publish again."),
        ) from None
    latest = _latest(form)
    if latest is not None and latest.definition == form.draft_definition:
        if form.status == Form.Status.ARCHIVED:
            form.status = Form.Status.LIVE
            form.live_version = latest
            form.save(update_fields=["status", "live_version", "updated_at"])
            return Changed(
                form,
                action="procedures.form.unarchive",
                after={"status": form.status, "version": latest.number},
            )
        raise Conflict(
            _("Nothing has changed since version %(number)s; there is nothing to publish.")
            % {"number": latest.number},
            code="unchanged",
        )
    number = (FormVersion.all_tenants.filter(form=form).aggregate(n=Max("number"))["n"] or 0) + 1
    version = FormVersion(
        municipality=form.municipality,
        form=form,
        number=number,
        definition=copy.deepcopy(form.draft_definition),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    version.save()
    change = formspec.changes(latest.definition if latest else None, version.definition)
    before = {"status": form.status, "version": latest.number if latest else None}
    form.live_version = version
    form.status = Form.Status.LIVE
    form.save(update_fields=["live_version", "status", "updated_at"])
    return Changed(
        form,
        before=before,
        after={"status": form.status, "version": number},
        extra={
            "pages_added": change.pages_added,
            "pages_removed": change.pages_removed,
            "questions_added": change.questions_added,
            "questions_removed": change.questions_removed,
            "questions_changed": change.questions_changed,
        },
    )


@action("procedures.form.archive", perm="procedures.change_form", on="form")
def form_archive(*, municipality: Municipality, actor: Any, form: Form) -> Outcome[Form]:
    """Stop taking new applications on the form. Drafts and submissions already started keep
    their version; publishing again makes it live."""
    if form.status == Form.Status.ARCHIVED:
        return Unchanged(form)
    before = {"status": form.status}
    form.status = Form.Status.ARCHIVED
    form.save(update_fields=["status", "updated_at"])
    return Changed(form, before=before, after={"status": form.status})


@action("procedures.form.definition_import", perm="procedures.change_form", on="form")
def form_definition_import(
    *, municipality: Municipality, actor: Any, form: Form, data: str | bytes
) -> Outcome[Form]:
    """Replace the draft with the definition in ``data`` (JSON). Saved even with problems, which
    the editor then lists; the live version is not touched until the form is published."""
    definition = definition_from_json(data)
    before = len(formspec.question_ids(form.draft_definition))
    form.draft_definition = definition
    form.save(update_fields=["draft_definition", "updated_at"])
    return Changed(
        form,
        before={"questions": before},
        after={"questions": len(formspec.question_ids(definition))},
    )
