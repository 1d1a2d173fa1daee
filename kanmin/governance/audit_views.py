"""Staff pages of audits and self-checks (監査・自己点検): the list (by kind and 年度), one
audit with its findings (an open finding past its due date said in words and marked), recording
and editing an audit, adding a finding and closing one. Nothing here is public; department
staff see the audits over their departments or their systems, and in them the findings of their
systems and the audit-wide ones (the selectors decide)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.errors import NotFound
from kanmin.core.forms import submit
from kanmin.core.language import mark_japanese
from kanmin.core.permissions import allowed
from kanmin.core.selectors import department_list
from kanmin.core.tenancy import tenant_reverse
from kanmin.governance import selectors, services
from kanmin.governance.forms import (
    AuditFilterForm,
    AuditForm,
    FindingCloseForm,
    FindingForm,
)
from kanmin.governance.models import Audit, AuditFinding

VIEW_PERM = "governance.view_audit"
ADD_PERM = "governance.add_audit"
CHANGE_PERM = "governance.change_audit"
ADD_FINDING_PERM = "governance.add_auditfinding"
CLOSE_FINDING_PERM = "governance.change_auditfinding"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _can(request: HttpRequest) -> dict[str, bool]:
    municipality = _municipality(request)
    user = request.user
    return {
        "can_add": allowed(user, ADD_PERM, municipality),
        "can_change": allowed(user, CHANGE_PERM, municipality),
        "can_add_finding": allowed(user, ADD_FINDING_PERM, municipality),
        "can_close_finding": allowed(user, CLOSE_FINDING_PERM, municipality),
        "sees_all": allowed(user, selectors.SEE_ALL_PERM, municipality),
    }


def _detail_url(municipality: Any, audit: Audit) -> str:
    return tenant_reverse("governance:audit_detail", municipality, {"pk": audit.pk})


def _finding_state(finding: AuditFinding, today: Any) -> dict[str, Any]:
    """What the page shows of a finding: overdue (open past its due date) and by how much."""
    overdue = finding.closed_on is None and finding.due_on is not None and finding.due_on < today
    return {
        "f": finding,
        "overdue": overdue,
        "overdue_days": (today - finding.due_on).days if overdue and finding.due_on else 0,
    }


@operator_page(VIEW_PERM)
def audit_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    years = selectors.audit_fiscal_years(municipality, viewer=request.user)
    form = AuditFilterForm(request.GET or None, years=years)
    filters = form.filters() if request.GET else {}
    rows = list(selectors.audit_list(municipality, viewer=request.user, **filters))
    total = selectors.audit_list(municipality, viewer=request.user).count()
    return render(
        request,
        "governance/audit_list.html",
        {
            "form": form,
            "audits": rows,
            "total": total,
            **_can(request),
        },
    )


def _audit(request: HttpRequest, pk: int) -> Audit:
    try:
        return selectors.audit_get(_municipality(request), pk, viewer=request.user)
    except NotFound:
        raise Http404 from None


def _systems(request: HttpRequest, audit: Audit) -> list[Any]:
    """The systems a finding of the audit may name, among those the user sees."""
    covered = set(selectors.audit_scope_systems(audit).values_list("pk", flat=True))
    return [
        s
        for s in selectors.system_list(_municipality(request), viewer=request.user)
        if s.pk in covered
    ]


def _detail(
    request: HttpRequest,
    audit: Audit,
    *,
    finding_form: FindingForm | None = None,
    close_forms: dict[int, FindingCloseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    can = _can(request)
    findings = [
        _finding_state(f, today) for f in selectors.audit_findings(audit, viewer=request.user)
    ]
    close_forms = close_forms or {}
    for row in findings:
        given = close_forms.get(row["f"].pk)
        if given is not None:
            row["close_form"] = given
        elif can["can_close_finding"] and row["f"].closed_on is None:
            row["close_form"] = FindingCloseForm(
                initial={"closed_on": today}, prefix=f"finding-{row['f'].pk}"
            )
    if finding_form is None and can["can_add_finding"]:
        finding_form = FindingForm(systems=_systems(request, audit))
    return render(
        request,
        "governance/audit_detail.html",
        {
            "audit": audit,
            "systems": list(audit.systems.order_by("code")),
            "departments": list(audit.departments.order_by("sort_order", "code")),
            "findings": findings,
            "finding_form": finding_form if can["can_add_finding"] else None,
            "has_errors": status != 200,
            **can,
        },
        status=status,
    )


@operator_page(VIEW_PERM)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _audit(request, pk))


def _form(request: HttpRequest, audit: Audit | None) -> AuditForm:
    municipality = _municipality(request)
    return AuditForm(
        request.POST or None,
        systems=list(selectors.system_list(municipality, viewer=request.user)),
        departments=list(department_list(municipality=municipality)),
        audit=audit,
    )


@operator_page(ADD_PERM, methods=["GET", "POST"])
def audit_new(request: HttpRequest) -> HttpResponse:
    """Record an audit or self-check, planned or conducted."""
    municipality = _municipality(request)
    form = _form(request, None)
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.audit_record(
                municipality=municipality, actor=request.user, **form.service_fields()
            ),
        )
        if saved is not None:
            messages.success(
                request,
                # A Japanese title in an English sentence is marked lang="ja".
                mark_japanese(_("Recorded: %(title)s.") % {"title": saved.title}),
            )
            return redirect(_detail_url(municipality, saved))
        status = 422
    return render(
        request, "governance/audit_form.html", {"form": form, "audit": None}, status=status
    )


@operator_page(CHANGE_PERM, methods=["GET", "POST"])
def audit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    audit = _audit(request, pk)
    form = _form(request, audit)
    status = 200
    if request.method == "POST":
        saved = submit(
            form,
            lambda: services.audit_update(
                municipality=municipality,
                actor=request.user,
                audit=audit,
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(
                request,
                # A Japanese title in an English sentence is marked lang="ja".
                mark_japanese(_("Saved: %(title)s.") % {"title": saved.title}),
            )
            return redirect(_detail_url(municipality, saved))
        status = 422
    return render(
        request, "governance/audit_form.html", {"form": form, "audit": audit}, status=status
    )


@operator_page(ADD_FINDING_PERM, methods=["POST"])
def audit_finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a finding to an audit, from its page."""
    municipality = _municipality(request)
    audit = _audit(request, pk)
    form = FindingForm(request.POST, systems=_systems(request, audit))
    saved = submit(
        form,
        lambda: services.audit_finding_add(
            municipality=municipality, actor=request.user, audit=audit, **form.service_fields()
        ),
    )
    if saved is None:
        return _detail(request, audit, finding_form=form, status=422)
    messages.success(request, _("Finding added."))
    return redirect(_detail_url(municipality, audit) + f"#finding-{saved.pk}")


@operator_page(CLOSE_FINDING_PERM, methods=["POST"])
def audit_finding_close(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Close a finding on a day (not in the future, not before the audit)."""
    municipality = _municipality(request)
    audit = _audit(request, pk)
    try:
        finding = selectors.audit_finding_get(municipality, audit, finding_pk, viewer=request.user)
    except NotFound:
        raise Http404 from None
    form = FindingCloseForm(request.POST, prefix=f"finding-{finding.pk}")
    saved = submit(
        form,
        lambda: services.audit_finding_close(
            municipality=municipality,
            actor=request.user,
            finding=finding,
            closed_on=form.cleaned_data["closed_on"],
        ),
    )
    if saved is None:
        return _detail(request, audit, close_forms={finding.pk: form}, status=422)
    messages.success(
        request,
        _("Finding closed on %(day)s.") % {"day": form.cleaned_data["closed_on"].isoformat()},
    )
    return redirect(_detail_url(municipality, audit) + f"#finding-{saved.pk}")


@operator_page(CLOSE_FINDING_PERM, methods=["POST"])
def audit_finding_reopen(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Open a closed finding again."""
    municipality = _municipality(request)
    audit = _audit(request, pk)
    try:
        finding = selectors.audit_finding_get(municipality, audit, finding_pk, viewer=request.user)
    except NotFound:
        raise Http404 from None
    services.audit_finding_reopen(municipality=municipality, actor=request.user, finding=finding)
    messages.success(request, _("The finding is open again."))
    return redirect(_detail_url(municipality, audit) + f"#finding-{finding.pk}")
