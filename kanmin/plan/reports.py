"""The annual review's report as HTML context, PDF (reportlab) and Excel (openpyxl), and the
published figures as CSV. All read the same figures dict (``selectors.plan_figures`` or a
closed review's frozen snapshot)."""

from __future__ import annotations

import csv
import io
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from kanmin.core.spreadsheet import safe_cell
from kanmin.core.units import unit_name
from kanmin.plan import charts

CSV_COLUMNS = [
    "municipality",
    "measure",
    "policy",
    "measure_title",
    "kpi",
    "unit",
    "direction",
    "kind",
    "fiscal_year",
    "value",
]


def figure_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per KPI, kind and fiscal year: the long format of exports and open data."""
    rows = []
    for measure in figures["measures"]:
        for kpi in measure["kpis"]:
            base = {
                "municipality": figures["municipality"],
                "measure": measure["number"],
                "policy": measure["policy"],
                "measure_title": measure["title"],
                "kpi": kpi["name"],
                "unit": kpi["unit"],
                "direction": kpi["direction"],
            }
            for kind, key in (("target", "targets"), ("actual", "actuals")):
                for year, value in sorted(kpi[key].items()):
                    rows.append({**base, "kind": kind, "fiscal_year": int(year), "value": value})
    return rows


def snapshot_csv(figures: dict[str, Any]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # UTF-8 with BOM: opens correctly in Japanese Excel
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in figure_rows(figures):
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def report_context(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Measures grouped by policy, each KPI with its years in order."""
    policies: dict[str, dict[str, Any]] = {}
    for p in figures.get("policies", []):
        policies[p["number"]] = {
            "number": p["number"],
            "title": p["title"],
            "title_en": p.get("title_en", ""),
            "measures": [],
        }
    for measure in figures["measures"]:
        group = policies.setdefault(
            measure["policy"], {"number": measure["policy"], "title": "", "measures": []}
        )
        kpis = []
        for kpi in measure["kpis"]:
            years = sorted({*kpi["targets"], *kpi["actuals"]}, key=int)
            kpis.append(
                {
                    **kpi,
                    "years": [
                        {
                            "year": y,
                            "target": kpi["targets"].get(y),
                            "actual": kpi["actuals"].get(y),
                        }
                        for y in years
                    ],
                }
            )
        group["measures"].append({**measure, "kpis": kpis})
    return list(policies.values())


def chart_data_uri(kpi: dict[str, Any]) -> str:
    """A PNG chart as a data: URI, so a report page shows exactly its own frozen figures."""
    import base64

    png = charts.kpi_chart(
        targets=kpi["targets"],
        actuals=kpi["actuals"],
        unit=unit_name(kpi["unit"])[0],
        target_label=_("Target"),
        actual_label=_("Actual"),
        fiscal_year_label=_("Fiscal year"),
        fmt="png",
        width=5.5,
        height=2.4,
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


PROGRESS_LABELS = {
    "on_track": "順調",
    "delayed": "遅れ",
    "done": "完了",
    "changed": "変更",
}


@cache
def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from kanmin.core.fonts import japanese_font_path

    pdfmetrics.registerFont(TTFont("IPAexGothic", str(japanese_font_path())))
    return "IPAexGothic"


def review_pdf(figures: dict[str, Any], review: Any) -> bytes:
    """The council's and the archive's copy: a table per policy and a chart per KPI."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = _pdf_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=6)
    h3 = ParagraphStyle("h3", fontName=font, fontSize=10.5, leading=15, spaceBefore=6)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{figures.get('title', '')} {review.fiscal_year}年度 見直し報告",
        author=figures.get("municipality", ""),
    )
    story: list[Any] = [
        Paragraph(f"{figures.get('title', '')}", title_style),
        Paragraph(f"{review.fiscal_year}年度 見直し報告（{_status_ja(review)}）", h2),
    ]
    summary = _progress_summary(figures)
    story.append(
        Paragraph(
            "施策 {total} 件: 順調 {on_track} ・ 遅れ {delayed} ・ 完了 {done} ・ "
            "変更 {changed} ・ 未報告 {none}".format(**summary),
            body,
        )
    )
    for group in report_context(figures):
        story.append(Paragraph(f"基本方針 {group['number']} {group['title']}", h2))
        header = ["施策", "施策名", "状況", "KPI"]
        rows: list[list[Any]] = [header]
        for m in group["measures"]:
            names = "<br/>".join(k["name"] for k in m["kpis"]) or "—"
            rows.append(
                [
                    m["number"],
                    Paragraph(m["title"], small),
                    PROGRESS_LABELS.get(m.get("progress") or "", "未報告"),
                    Paragraph(names, small),
                ]
            )
        table = Table(rows, colWidths=[16 * mm, 70 * mm, 18 * mm, 70 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b4f8a")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
        for m in group["measures"]:
            for kpi in m["kpis"]:
                if not kpi["targets"] and not kpi["actuals"]:
                    continue
                png = charts.kpi_chart(
                    targets=kpi["targets"],
                    actuals=kpi["actuals"],
                    unit=kpi["unit"],
                    target_label="目標値",
                    actual_label="実績値",
                    fiscal_year_label="年度",
                    fmt="png",
                    width=6.4,
                    height=2.6,
                )
                story.append(
                    KeepTogether(
                        [
                            Paragraph(f"{m['number']} {kpi['name']}（{kpi['unit']}）", h3),
                            Image(io.BytesIO(png), width=160 * mm, height=65 * mm),
                        ]
                    )
                )
        story.append(Spacer(1, 4 * mm))
    story.append(PageBreak())
    story.append(Paragraph("各施策の報告", h2))
    for m in figures["measures"]:
        if m.get("comment"):
            story.append(Paragraph(f"{m['number']} {m['title']}", h3))
            story.append(Paragraph(_escape(m["comment"]), body))
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _status_ja(review: Any) -> str:
    return "確定" if review.is_closed else "作業中"


def _progress_summary(figures: dict[str, Any]) -> dict[str, int]:
    counts = {"total": 0, "on_track": 0, "delayed": 0, "done": 0, "changed": 0, "none": 0}
    for m in figures["measures"]:
        counts["total"] += 1
        counts[m.get("progress") or "none"] += 1
    return counts


def review_xlsx(figures: dict[str, Any], review: Any) -> bytes:
    """A workbook: a summary, a table per policy, and the figures with a chart per KPI."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None  # noqa: S101 - a new workbook always has a sheet
    summary.title = "概要"
    summary.append(
        [figures.get("title", ""), f"{review.fiscal_year}年度 見直し", _status_ja(review)]
    )
    counts = _progress_summary(figures)
    summary.append(["施策数", counts["total"]])
    for key, label in PROGRESS_LABELS.items():
        summary.append([label, counts[key]])
    summary.append(["未報告", counts["none"]])
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0B4F8A")

    for group in report_context(figures):
        sheet = workbook.create_sheet(f"基本方針{group['number']}"[:31])
        sheet.append([f"基本方針 {group['number']} {group['title']}"])
        sheet.append(
            ["施策", "施策名", "状況", "コメント", "KPI", "単位", "年度", "目標値", "実績値"]
        )
        for cell in sheet[2]:
            cell.font, cell.fill = header_font, header_fill
        for m in group["measures"]:
            progress = PROGRESS_LABELS.get(m.get("progress") or "", "未報告")
            if not m["kpis"]:
                sheet.append(
                    [
                        m["number"],
                        safe_cell(m["title"]),
                        progress,
                        safe_cell(m.get("comment", "")),
                    ]
                )
            for kpi in m["kpis"]:
                for y in kpi["years"] or [{"year": "", "target": None, "actual": None}]:
                    sheet.append(
                        [
                            m["number"],
                            safe_cell(m["title"]),
                            progress,
                            safe_cell(m.get("comment", "")),
                            safe_cell(kpi["name"]),
                            kpi["unit"],
                            int(y["year"]) if y["year"] else None,
                            y["target"],
                            y["actual"],
                        ]
                    )
        sheet.column_dimensions["B"].width = 40
        sheet.column_dimensions["E"].width = 36

    charts_sheet = workbook.create_sheet("グラフ")
    row = 1
    for m in figures["measures"]:
        for kpi in m["kpis"]:
            years = sorted({*kpi["targets"], *kpi["actuals"]}, key=int)
            if not years:
                continue
            charts_sheet.cell(
                row=row, column=1, value=f"{m['number']} {kpi['name']}（{kpi['unit']}）"
            )
            charts_sheet.cell(row=row + 1, column=1, value="年度")
            charts_sheet.cell(row=row + 1, column=2, value="目標値")
            charts_sheet.cell(row=row + 1, column=3, value="実績値")
            for i, y in enumerate(years):
                charts_sheet.cell(row=row + 2 + i, column=1, value=int(y))
                charts_sheet.cell(row=row + 2 + i, column=2, value=kpi["targets"].get(y))
                charts_sheet.cell(row=row + 2 + i, column=3, value=kpi["actuals"].get(y))
            last = row + 1 + len(years)
            bars = BarChart()
            bars.title = f"{m['number']} {kpi['name']}"
            bars.y_axis.title = kpi["unit"]
            bars.add_data(
                Reference(charts_sheet, min_col=3, min_row=row + 1, max_row=last),
                titles_from_data=True,
            )
            bars.set_categories(Reference(charts_sheet, min_col=1, min_row=row + 2, max_row=last))
            line = LineChart()
            line.add_data(
                Reference(charts_sheet, min_col=2, min_row=row + 1, max_row=last),
                titles_from_data=True,
            )
            bars += line
            bars.height, bars.width = 7, 16
            charts_sheet.add_chart(bars, f"E{row}")
            row = max(last + 2, row + 16)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
