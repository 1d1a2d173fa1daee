from __future__ import annotations

import io
import re

import pytest

from kanmin.plan import selectors
from kanmin.plan.models import KpiValue, Review

pytestmark = pytest.mark.django_db


def test_the_public_plan_page_lists_every_measure(client, plan):
    page = client.get("/m/452025/plan/").content.decode()
    for measure in plan.measures.all():
        assert measure.number in page
    assert "電子申請可能な手続数" in page


def test_the_home_page_links_to_the_plan(client, plan):
    assert 'href="/m/452025/plan/"' in client.get("/m/452025/").content.decode()


def test_a_measure_links_its_glossary_terms_to_their_entries(client, plan):
    page = client.get("/m/452025/plan/measures/Ⅰ-2/").content.decode()
    content = page.split('class="measure-content"')[1].split("</p>")[0]
    links = re.findall(
        r'<a class="term" href="/m/452025/plan/glossary/#term-(\d+)">([^<]+)<', content
    )
    assert links == [("28", "ぴったりサービス"), ("11", "マイナポータル")]
    glossary = client.get("/m/452025/plan/glossary/").content.decode()
    assert 'id="term-28"' in glossary and 'id="term-11"' in glossary


def test_every_term_the_seed_marks_in_a_measure_is_linked(plan):
    """The plan's text marks a glossary term where it first appears (お知らせ機能*28): every
    such mark in section 7's measures is a link to that entry on the measure's page."""
    from kanmin.plan import glossary
    from kanmin.plan.tests.test_seed import require_seed

    text = require_seed().read_text(encoding="utf-8")
    section = re.search(
        r"^\s*７\.\s*官民データ活用の推進に係る基本施策の体系.*?(?=^\s*８\.)", text, re.M | re.S
    )
    assert section is not None
    areas = re.split(r"^\s*([ⅠⅡⅢⅣⅤⅥ])[．.]", section.group(0), flags=re.M)
    marked: dict[str, set[int]] = {}
    for area, body in zip(areas[1::2], areas[2::2], strict=True):
        parts = re.split(r"^\s*NO\s*([0-9０-９]+)\s*施策", body, flags=re.M)
        for number, chunk in zip(parts[1::2], parts[2::2], strict=True):
            own = chunk.split("KPIの例")[0]  # the title and content, not the KPI examples
            n = int(number.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
            marks = {int(m) for m in re.findall(r"[*＊]\s*(\d+)", own)}
            if marks:
                marked[f"{area}-{n}"] = marks
    assert len(marked) >= 15
    terms = list(plan.glossary.all())
    for number, marks in marked.items():
        measure = plan.measures.get(number=number)
        linked = {
            t.number for t in glossary.terms_in([measure.title_ja, measure.content_ja], terms)
        }
        assert marks <= linked, (number, marks - linked)


def test_an_unknown_measure_answers_404(client, plan):
    assert client.get("/m/452025/plan/measures/Ⅸ-9/").status_code == 404


def test_the_chart_is_an_svg_image(client, plan, manager, record_value):
    kpi = plan.measures.get(number="Ⅰ-1").kpis.first()
    record_value(kpi, "target", 2024, 10, actor=manager)
    response = client.get(f"/m/452025/plan/kpis/{kpi.pk}/chart.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_another_municipality_cannot_see_a_kpi_chart(client, plan, miyazaki):
    kpi = plan.measures.get(number="Ⅰ-1").kpis.first()
    assert client.get(f"/m/452017/plan/kpis/{kpi.pk}/chart.svg").status_code == 404


def _post_actual(client, plan, fiscal_year, value):
    """The form of Ⅰ-1's first KPI, sent with an actual."""
    kpi = plan.measures.get(number="Ⅰ-1").kpis.first()
    return client.post(
        f"/m/452025/plan/staff/kpis/{kpi.pk}/",
        {"kind": "actual", "fiscal_year": fiscal_year, "value": value},
    )


def test_staff_pages_need_a_staff_role_in_this_municipality(
    client, plan, make_user, miyazaki, miyakonojo
):
    assert client.get("/m/452025/plan/staff/").status_code == 302  # to sign-in
    client.force_login(make_user("citizen", "citizen", miyakonojo))
    assert client.get("/m/452025/plan/staff/").status_code == 403
    client.force_login(make_user("other", "plan_manager", miyazaki))
    assert client.get("/m/452025/plan/staff/").status_code == 403
    assert _post_actual(client, plan, "2024", "5").status_code == 403
    assert not KpiValue.all_tenants.exists()


def test_a_department_records_an_actual_in_wareki(client, plan, clerk):
    client.force_login(clerk)
    response = _post_actual(client, plan, "令和6年度", "１，２００")
    assert response.status_code == 302
    value = KpiValue.all_tenants.get()
    assert (value.fiscal_year, int(value.value), value.created_by) == (2024, 1200, clerk)


def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_saved(client, plan, clerk):
    client.force_login(clerk)
    response = _post_actual(client, plan, "令和6年度", "たくさん")
    assert response.status_code == 422
    assert "たくさん" in response.content.decode()
    assert not KpiValue.all_tenants.exists()


def test_the_review_workflow_through_the_pages(client, plan, manager, clerk):
    client.force_login(manager)
    opened = client.post("/m/452025/plan/staff/", {"fiscal_year": "R6"})
    assert opened.status_code == 302
    review = Review.all_tenants.get()
    assert review.fiscal_year == 2024
    client.force_login(clerk)
    reported = client.post(
        "/m/452025/plan/staff/reviews/2024/",
        {"measure": "Ⅰ-1", "progress": "done", "comment": "完了"},
    )
    assert reported.status_code == 302
    refused = client.post("/m/452025/plan/staff/reviews/2024/close/", {"acknowledged": "84"})
    assert refused.status_code == 403
    client.force_login(manager)
    # The close page lists what is missing; closing needs the confirmation of what was seen.
    page = client.get("/m/452025/plan/staff/reviews/2024/close/").content.decode()
    assert "Ⅱ-1" in page and 'name="acknowledged" value="' in page
    assert not Review.all_tenants.get().is_closed
    stale = client.post("/m/452025/plan/staff/reviews/2024/close/", {"acknowledged": "3"})
    assert stale.status_code == 409 and not Review.all_tenants.get().is_closed
    count = str(selectors.review_gaps(review=review)["count"])
    closed = client.post("/m/452025/plan/staff/reviews/2024/close/", {"acknowledged": count})
    assert closed.status_code == 302
    assert Review.all_tenants.get().is_closed
    csv = client.get("/m/452025/plan/open-data/kpi.csv")
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    data = client.get("/m/452025/plan/open-data/kpi.json").json()
    assert data["fiscal_year"] == 2024 and len(data["measures"]) == 33


def test_no_open_data_before_a_review_is_closed(client, plan):
    assert client.get("/m/452025/plan/open-data/kpi.csv").status_code == 404


def test_the_pdf_report_opens_and_shows_its_charts(client, plan, manager, record_value):
    """Render the pages to pixels: the first is not blank, and the KPI chart is drawn."""
    import numpy
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    client.force_login(manager)
    client.post("/m/452025/plan/staff/", {"fiscal_year": "2024"})
    kpi = plan.measures.get(number="Ⅰ-1").kpis.first()
    for year, value in ((2022, 100), (2023, 150), (2024, 200)):
        record_value(kpi, "target", year, value, actor=manager)
        record_value(kpi, "actual", year, value - 10, actor=manager)
    response = client.get("/m/452025/plan/staff/reviews/2024/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(response.content)

    first = numpy.asarray(pdf[0].render(scale=1).to_pil().convert("L"))
    dark = (first < 160).mean()
    assert dark > 0.005  # Japanese text is drawn: the font is embedded

    pages_with_charts = [
        index
        for index in range(len(pdf))
        if list(pdf[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    ]
    assert len(pages_with_charts) == 1
    rgb = numpy.asarray(pdf[pages_with_charts[0]].render(scale=1).to_pil().convert("RGB"))
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    bar_blue = int(((r < 40) & (g > 90) & (g < 130) & (b > 180) & (b < 225)).sum())
    assert bar_blue > 500  # the actuals' bars (#0b6bcb) are on the page


def test_the_excel_report_has_a_chart_per_kpi(client, plan, manager, record_value):
    from openpyxl import load_workbook

    client.force_login(manager)
    client.post("/m/452025/plan/staff/", {"fiscal_year": "2024"})
    kpi = plan.measures.get(number="Ⅰ-1").kpis.first()
    record_value(kpi, "target", 2024, 10, actor=manager)
    response = client.get("/m/452025/plan/staff/reviews/2024/report.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert "概要" in workbook.sheetnames and "基本方針(1)" in workbook.sheetnames
    assert len(workbook["グラフ"]._charts) == 1


def test_the_manager_enters_an_actual_on_the_review_page(client, plan, manager):
    client.force_login(manager)
    client.post("/m/452025/plan/staff/", {"fiscal_year": "2024"})
    kpi = plan.measures.get(number="Ⅰ-1").kpis.get(name_ja="電子申請可能な手続数")
    page = client.get("/m/452025/plan/staff/reviews/2024/").content.decode()
    assert f'id="actual-{kpi.pk}"' in page
    post = {"action": "actual", "kpi": kpi.pk, f"k{kpi.pk}-value": "１８８"}
    response = client.post("/m/452025/plan/staff/reviews/2024/", post, follow=True)
    assert response.redirect_chain[-1][0] == f"/m/452025/plan/staff/reviews/2024/#kpi-{kpi.pk}"
    value = KpiValue.all_tenants.get()
    assert (value.kind, value.fiscal_year, int(value.value)) == ("actual", 2024, 188)
    assert "保存しました" in response.content.decode()
    # The same figure again: no second version, and the page says nothing changed.
    again = client.post("/m/452025/plan/staff/reviews/2024/", post, follow=True)
    assert KpiValue.all_tenants.count() == 1
    assert "変更はありません" in again.content.decode()
    bad = client.post(
        "/m/452025/plan/staff/reviews/2024/",
        {"action": "actual", "kpi": kpi.pk, f"k{kpi.pk}-value": "たくさん"},
    )
    assert bad.status_code == 422 and "たくさん" in bad.content.decode()
    assert KpiValue.all_tenants.count() == 1


def test_saving_a_kpi_value_says_so_and_a_repeat_says_nothing_changed(client, plan, clerk):
    client.force_login(clerk)
    kpi = plan.measures.get(number="Ⅰ-1").kpis.first()
    url = f"/m/452025/plan/staff/kpis/{kpi.pk}/"
    post = {"kind": "actual", "fiscal_year": "2024", "value": "12"}
    first = client.post(url, post, follow=True).content.decode()
    assert "保存しました" in first
    second = client.post(url, post, follow=True).content.decode()
    assert "変更はありません" in second
    assert KpiValue.all_tenants.count() == 1
    # Coming from the review, the form returns to it.
    back = client.post(url + "?review=2024", {**post, "value": "13"})
    assert back["Location"] == f"/m/452025/plan/staff/reviews/2024/#kpi-{kpi.pk}"
