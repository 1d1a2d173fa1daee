"""The report a person reads: an invalid file never scores near-perfect, findings group by rule
with the layout and the encoding first, web wording names buttons and human names, and a
message that proposes a value proposes what the repair writes."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from kanmin.standards.checks import Area
from kanmin.standards.quality import ERROR_CAP, PASS_MARK, error_cap, score
from kanmin.standards.repair import repair
from kanmin.standards.report import Issue, Report, group_issues
from kanmin.standards.tests.factories import YAIZU_ROWS, aed_rows, csv_bytes, yaizu_aed_csv
from kanmin.standards.validate import validate

# Words of the command line and of the engine that a web page must not show.
DEVELOPER_WORDS = ("kanmin repair", "legacy/", "確度", "reconstructed", "cp932", "utf-8-sig")

MIYAKONOJO = Area(31.5, 130.85, 32.0, 131.9)


def _yaizu() -> Report:
    return validate(io.BytesIO(yaizu_aed_csv()), "auto", area=MIYAKONOJO)


# --- 1. the score falls when errors exist --------------------------------------------------

CODES = ["phone", "required", "type_number", "missing_column", "halfwidth_katakana", "enum"]
COLUMNS = ["名称", "電話番号", "緯度", "経度", "住所"]

issues_st = st.lists(
    st.builds(
        Issue,
        st.sampled_from(CODES),
        st.just("error"),
        st.integers(min_value=1, max_value=400),
        st.sampled_from(COLUMNS),
    ),
    max_size=60,
)


def _report(rows: int, errors: list[Issue], encoding: str, schema: str | None) -> Report:
    report = Report(schema=schema, encoding=encoding, rows=rows, header=list(COLUMNS))
    for issue in errors:
        report.add(issue)
    return report


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(min_value=0, max_value=100_000),
    errors=issues_st,
    extra=st.builds(
        Issue,
        st.sampled_from(CODES),
        st.just("error"),
        st.integers(min_value=1, max_value=400),
        st.sampled_from(COLUMNS),
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
    schema=st.sampled_from(["aed", "legacy/aed", None]),
)
def test_errors_cap_the_score_and_more_errors_never_raise_it(rows, errors, extra, encoding, schema):
    before = score(_report(rows, errors, encoding, schema)).score
    after = score(_report(rows, [*errors, extra], encoding, schema)).score
    assert after <= ERROR_CAP < PASS_MARK  # one error is enough to stay well below a pass
    assert after <= before  # one more error never raises the score
    assert after <= error_cap(len(errors) + 1)


def test_the_error_ceiling_falls_with_every_tenfold_more_errors():
    assert error_cap(0) == 100
    assert [error_cap(n) for n in (1, 9, 10, 99, 100, 999, 1000, 10**6)] == [
        59,
        59,
        49,
        49,
        39,
        39,
        29,
        29,
    ]


def test_a_large_file_with_84_errors_does_not_look_near_perfect():
    report = _report(
        100_000, [Issue("phone", "error", r, "電話番号") for r in range(2, 86)], "utf-8", "aed"
    )
    assert report.error_count == 84
    assert score(report).score <= 49


# --- 2. grouped by rule, the layout and the encoding first ------------------------------


def test_the_yaizu_file_is_grouped_by_rule_with_layout_and_encoding_first():
    report = _yaizu()
    groups = group_issues([*report.errors, *report.warnings])
    assert [g.code for g in groups[:2]] == ["legacy_layout", "encoding_cp932"]
    by_code = {g.code: g for g in groups}
    assert by_code["phone"].count == YAIZU_ROWS  # one line, not one per row
    assert by_code["phone"].columns == ["電話番号"]
    assert by_code["phone"].rows == [2, 3, 4, 5, 6] and by_code["phone"].more_rows
    assert by_code["outside_area"].count == 2 * YAIZU_ROWS
    assert sorted(by_code["outside_area"].columns) == ["経度", "緯度"]
    # errors come before warnings once the layout and the encoding are said
    severities = [g.severity for g in groups[2:]]
    assert severities == sorted(severities)  # "error" < "warning"
    assert len(groups) == len({g.key for g in groups})


def test_counts_kept_apart_from_the_findings_give_the_true_count():
    kept = [Issue("phone", "error", r, "電話番号") for r in range(2, 12)]
    (group,) = group_issues(kept, {"error:phone": 5000})
    assert group.count == 5000 and group.rows == [2, 3, 4, 5, 6]


# --- 3. web wording ------------------------------------------------------------------------


def test_web_messages_have_no_developer_words_and_the_cli_keeps_its_own():
    report = _yaizu()
    extra = [
        Issue(
            "provisional_schema",
            "warning",
            params={"schema": "aed", "confidence": "low (reconstructed)"},
        ),
        Issue("whitespace", "warning", 2, "名称", " 本町 "),
        Issue(
            "platform_dependent",
            "error",
            2,
            "名称",
            "①",
            params={
                "char": "①",
                "hint_ja": "①→1 のように置き換えてください。",
                "hint_en": "Replace ①→1.",
                "repairable": True,
            },
        ),
        Issue("schema_not_detected", "error", params={"best": "care_service"}),
        Issue("mixed_encoding", "error", 5, params={"encoding": "utf-8-sig"}),
    ]
    issues = [*report.errors, *report.warnings, *extra]
    for lang in ("ja", "en"):
        for issue in issues:
            text = issue.message(lang, "web")
            for word in DEVELOPER_WORDS:
                assert word.lower() not in text.lower(), (issue.code, lang, text)
            assert "aed" not in text.replace("AED", "")  # no slug
            assert "care_service" not in text
    web = {i.code: i.message("ja", "web") for i in issues}
    assert "「修正版を作成」" in web["legacy_layout"]
    assert "AED設置箇所一覧" in web["legacy_layout"]
    assert "Shift_JIS" in web["encoding_cp932"]
    assert "UTF-8（BOM付き）" in web["mixed_encoding"]
    assert "介護サービス事業所一覧" in web["schema_not_detected"]
    assert "「修正版を作成」" in web["platform_dependent"]
    english = {i.code: i.message("en", "web") for i in issues}
    assert "'Make a corrected copy'" in english["encoding_cp932"]
    cli = {i.code: i.message("ja") for i in issues}
    assert "kanmin repair" in cli["legacy_layout"] and "legacy/aed" in cli["legacy_layout"]
    assert "kanmin repair" in cli["platform_dependent"]
    assert "確度: low (reconstructed)" in cli["provisional_schema"]


# --- 4. a message proposes what the repair writes -----------------------------------------


def test_the_halfwidth_message_keeps_every_long_vowel_mark():
    report = _yaizu()
    (issue,) = [i for i in report.errors if i.code == "halfwidth_katakana"]
    assert "「ディスカバリーパーク」" in issue.message("ja", "web")
    assert "ﾃﾞｨｽｶﾊﾞﾘｰﾊﾟｰｸ" in issue.message("ja", "web")


HALFWIDTH = "".join(chr(c) for c in range(0xFF61, 0xFFA0))
text_st = st.text(
    alphabet=st.sampled_from(HALFWIDTH + "アイウカキクガーｰﾞﾟ ー・本町1-2ABCabc　"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(text=text_st)
def test_a_proposed_value_is_what_the_repair_writes(text):
    header, rows = aed_rows(1)
    rows[0][header.index("名称")] = text
    data = csv_bytes(header, rows)
    report = validate(io.BytesIO(data), "aed")
    found = [i for i in report.errors if i.code == "halfwidth_katakana" and i.column == "名称"]
    result = repair(io.BytesIO(data), "aed", io.BytesIO())
    written = [
        c.after
        for c in result.changes
        if c.rule == "halfwidth_katakana" and c.column == "名称" and c.row == 2
    ]
    if not found:
        assert not written
        return
    (issue,) = found
    assert [issue.params["suggestion"]] == written
    for lang in ("ja", "en"):
        for audience in ("cli", "web"):
            assert f"{written[0]}" in issue.message(lang, audience)
