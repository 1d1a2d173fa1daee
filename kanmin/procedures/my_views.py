"""The resident's own pages (/m/<code>/my/): the notices inbox, their applications and their
consultations with the city's departments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanmin.accounts import selectors as accounts_selectors
from kanmin.core.errors import NotFound
from kanmin.core.forms import perform, submit
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.procedures import notice_selectors as selectors
from kanmin.procedures import notice_services as services
from kanmin.procedures.notice_forms import ConsultationForm, ReplyForm
from kanmin.procedures.notice_labels import CONSULTATION_STATUS, SUBMISSION_STATUS, label

View = Callable[..., HttpResponse]


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _sign_in_page(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors: sign in or register with this municipality."""
    municipality = _municipality(request)
    return render(
        request,
        "procedures/my/welcome.html",
        {
            "sign_in_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
            "register_url": reverse("accounts:register")
            + "?"
            + urlencode({"municipality": municipality.lg_code}),
        },
    )


def resident_page(methods: tuple[str, ...] = ("GET",)) -> Callable[[View], View]:
    """A resident's page: anonymous visitors get the sign-in/registration page, members of
    other municipalities only (no role here) get it too, with a note."""

    def decorate(view: View) -> View:
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.method != "GET":
                    return redirect(
                        reverse("accounts:login") + "?" + urlencode({"next": request.path})
                    )
                return _sign_in_page(request)
            if not accounts_selectors.is_member(
                user=request.user, municipality=_municipality(request)
            ):
                return render(request, "procedures/my/not_registered.html", status=403)
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from None

        checked.__name__ = view.__name__
        checked.__doc__ = view.__doc__
        return tenant_view(require_http_methods(list(methods))(checked))

    return decorate


def _status_url(municipality: Any, reference: str | None) -> str:
    """The application's status page (the queue's ``procedures:apply_status``), if any."""
    if not reference:
        return ""
    try:
        return tenant_reverse("procedures:apply_status", municipality, {"reference": reference})
    except NoReverseMatch:
        return ""


@resident_page()
def my_home(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    user = request.user
    notices = list(selectors.inbox(municipality=municipality, user=user)[:100])
    submissions = [
        (s, _status_url(municipality, s.reference))
        for s in label(
            list(selectors.my_submissions(municipality=municipality, user=user)[:100]),
            SUBMISSION_STATUS,
        )
    ]
    return render(
        request,
        "procedures/my/home.html",
        {
            "notices": notices,
            "unread": sum(1 for n in notices if n.read_at is None),
            "submissions": submissions,
            "consultations": label(
                list(
                    selectors.consultations_of_resident(municipality=municipality, user=user)[:100]
                ),
                CONSULTATION_STATUS,
            ),
        },
    )


@resident_page()
def my_notice(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    notice = selectors.notice_for_resident(municipality=municipality, user=request.user, pk=pk)
    first_time = notice.read_at is None
    notice = services.notice_read(municipality=municipality, actor=request.user, notice=notice)
    submission = notice.submission
    return render(
        request,
        "procedures/my/notice.html",
        {
            "notice": notice,
            "first_time": first_time,
            "status_url": _status_url(municipality, submission.reference if submission else ""),
        },
    )


@resident_page(methods=("GET", "POST"))
def my_consultation_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    initial = {}
    if request.GET.get("procedure"):
        initial["procedure"] = request.GET["procedure"]
    form = ConsultationForm(
        request.POST or None,
        initial=initial,
        departments=selectors.departments(municipality=municipality),
        procedures=selectors.procedures_for_consultation(municipality=municipality),
    )
    if request.method == "POST":
        consultation = submit(
            form,
            lambda: services.consultation_open(
                municipality=municipality,
                actor=request.user,
                department=form.cleaned_data["department"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                procedure=form.cleaned_data["procedure"],
            ),
        )
        if consultation is not None:
            messages.success(
                request,
                _("Sent to %(department)s. You will get an e-mail when they answer.")
                % {"department": consultation.department.display_name},
            )
            return redirect(
                tenant_reverse("procedures:my_consultation", municipality, {"pk": consultation.pk})
            )
    return render(
        request,
        "procedures/my/consultation_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@resident_page(methods=("GET", "POST"))
def my_consultation(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    consultation = label(
        selectors.consultation_for_resident(municipality=municipality, user=request.user, pk=pk),
        CONSULTATION_STATUS,
    )
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        message = submit(
            form,
            lambda: services.consultation_reply(
                municipality=municipality,
                actor=request.user,
                consultation=consultation,
                body=form.cleaned_data["body"],
            ),
        )
        if message is not None:
            messages.success(request, _("Your message was sent."))
            return redirect(request.path + "#latest")
    else:
        services.consultation_seen(
            municipality=municipality, actor=request.user, consultation=consultation
        )
    return render(
        request,
        "procedures/my/consultation.html",
        {
            "consultation": consultation,
            "thread": list(selectors.messages_of(consultation=consultation)),
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@resident_page(methods=("POST",))
def my_consultation_close(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    consultation = selectors.consultation_for_resident(
        municipality=municipality, user=request.user, pk=pk
    )
    closed = perform(
        request,
        lambda: services.consultation_close(
            municipality=municipality, actor=request.user, consultation=consultation
        ),
    )
    if closed is not None:
        messages.success(request, _("The consultation is closed."))
    return redirect(
        tenant_reverse("procedures:my_consultation", municipality, {"pk": consultation.pk})
    )
