"""Which status a submission may move to from which, and who moves it.

受付 (received) → 審査中 (reviewing) → 補正依頼 (correction) → back to 審査中 when the resident has
corrected it → 完了 (completed) or 却下 (rejected). The resident may withdraw (取下げ) until a
decision. A draft becomes 受付 when it is submitted. Every move is a ``SubmissionEvent``.
"""

from __future__ import annotations

from kanmin.procedures.models import Submission

S = Submission.Status

# (from, to) → who may make the move: "staff", "resident" or "system".
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.RECEIVED): "resident",
    (S.RECEIVED, S.REVIEWING): "staff",
    (S.RECEIVED, S.CORRECTION): "staff",
    (S.RECEIVED, S.COMPLETED): "staff",
    (S.RECEIVED, S.REJECTED): "staff",
    (S.REVIEWING, S.CORRECTION): "staff",
    (S.REVIEWING, S.COMPLETED): "staff",
    (S.REVIEWING, S.REJECTED): "staff",
    (S.CORRECTION, S.REVIEWING): "resident",  # the resident sent the correction
    (S.CORRECTION, S.REJECTED): "staff",
    (S.RECEIVED, S.WITHDRAWN): "resident",
    (S.REVIEWING, S.WITHDRAWN): "resident",
    (S.CORRECTION, S.WITHDRAWN): "resident",
}
CLOSED = frozenset({S.COMPLETED, S.REJECTED, S.WITHDRAWN})
OPEN = frozenset({S.RECEIVED, S.REVIEWING, S.CORRECTION})


def allowed(current: str, target: str, by: str) -> bool:
    return TRANSITIONS.get((current, target)) == by
