"""Which submissions this browser may open: the resident's own (signed in), or those granted to
the session when it started them or followed a resume link from its e-mail."""

from __future__ import annotations

from django.http import HttpRequest

from kanmin.procedures.models import Submission

_SESSION_KEY = "procedures.submissions"


def grant(request: HttpRequest, submission: Submission) -> None:
    ids = list(request.session.get(_SESSION_KEY, []))
    if submission.pk not in ids:
        ids.append(submission.pk)
        request.session[_SESSION_KEY] = ids[-50:]


def may_open(request: HttpRequest, submission: Submission) -> bool:
    user = request.user
    if user.is_authenticated and submission.applicant_id == user.pk:
        return True
    return submission.pk in request.session.get(_SESSION_KEY, [])


def granted_ids(request: HttpRequest) -> list[int]:
    return list(request.session.get(_SESSION_KEY, []))
