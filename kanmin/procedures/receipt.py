"""The receipt (受付控え) of a submitted application as a PDF, drawn with reportlab in the
shipped Japanese font (``kanmin.core.fonts``)."""

from __future__ import annotations

import io
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.core import wareki
from kanmin.core.fonts import japanese_font_path
from kanmin.procedures import apply_services as services
from kanmin.procedures.models import Submission

FONT = "IPAexGothic"


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(japanese_font_path())))
    return FONT


def receipt_pdf(submission: Submission) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)
    big = ParagraphStyle("big", parent=body, fontSize=13, leading=18)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Receipt %(reference)s") % {"reference": submission.reference},
        author=submission.municipality.name_ja,
    )
    submitted = timezone.localtime(submission.submitted_at)
    answers = services.answers_of(submission)

    def para(value: str, style: ParagraphStyle = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(value).replace("\n", "<br/>"), style)

    story = [
        para(_("Receipt of your application"), title),
        para(f"{submission.municipality.name_ja} · {submission.form.title_ja}", body),
        Spacer(1, 4 * mm),
        para(_("Reference number: %(reference)s") % {"reference": submission.reference}, big),
        para(
            _("Sent at: %(at)s")
            % {
                "at": f"{wareki.format_date(submitted.date())} {submitted:%H:%M}"
                f"（{submitted:%Y-%m-%d}）"
            }
        ),
        Spacer(1, 5 * mm),
    ]
    rows = [
        [para(label), para(value or "—")]
        for label, value in services.receipt_lines(submission, answers)
    ]
    if rows:
        table = Table(rows, colWidths=[55 * mm, 119 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ]
            )
        )
        story.append(table)
    story += [
        Spacer(1, 6 * mm),
        para(
            _(
                "What happens next: the department checks your application and tells you when "
                "it is done or if anything needs correcting. Quote the reference number when "
                "you ask about it."
            )
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
