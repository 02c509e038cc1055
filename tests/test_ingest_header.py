"""Finding the header: title rows, two-level headers, names for every column."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from citistat.ingest.header import (
    CONTAINS_SCORE,
    EXACT_SCORE,
    column_letter,
    find_header,
    finish_names,
    join_levels,
    normalise_label,
)

SYNONYMS = {"工单编号", "来电时间", "承办单位", "满意度", "是否满意", "是否解决", "Unique Key", "Created Date"}


def test_normalise_label_removes_every_kind_of_space_and_folds_width():
    assert normalise_label("\ufeff 工单\u3000编号\u00a0\t\u200b\n") == "工单编号"
    assert normalise_label("承办单位（ＡＢ）") == "承办单位(AB)"  # NFKC folds full-width forms
    assert normalise_label("Created  Date") == "CreatedDate"


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_title_and_note_rows_above_the_header_are_skipped():
    rows = [
        ["示例市12345市民服务热线工单明细（2024年03月）", None, None, None],
        ["导出时间：2024-04-01 08:00:00\u3000说明：本表仅供内部考核使用", None, None, None],
        ["工单编号", "来电时间", "承办单位", "满意度"],
        ["GD1", "2024-03-05", "市水务局", "满意"],
    ]
    guess = find_header(rows, SYNONYMS)
    assert guess.row_indices == [2]
    assert guess.names == ["工单编号", "来电时间", "承办单位", "满意度"]
    assert guess.score == 4 * EXACT_SCORE and guess.matched_columns == 4
    assert guess.recognised


def test_labels_match_after_normalisation_and_are_kept_as_written():
    rows = [["\ufeff工单编号", " 承办\u3000单位 ", "CREATED DATE"]]
    guess = find_header(rows, SYNONYMS)
    assert guess.score == 3 * EXACT_SCORE  # BOM, U+3000 and case do not hide a name
    assert guess.names == ["工单编号", "承办\u3000单位", "CREATED DATE"]  # stripped, BOM gone, inner text kept


def test_a_known_name_inside_a_longer_label_counts_less():
    guess = find_header([["来电时间(北京时间)", "备注"]], SYNONYMS)
    assert guess.score == CONTAINS_SCORE


def test_repeated_flag_values_do_not_outscore_the_header():
    # Regression: a data row full of "N" once beat the header when "N" was a known name.
    rows = [["id", "flag", "other", "more"], ["1", "N", "N", "N"]]
    guess = find_header(rows, {"id", "N"})
    assert guess.row_indices == [0]


def test_two_level_header_without_merge_information():
    rows = [
        ["工单编号", "回访情况", None, "承办单位"],
        [None, "是否满意", "是否解决", None],
        ["GD1", "满意", "已解决", "市水务局"],
    ]
    guess = find_header(rows, SYNONYMS)
    assert guess.row_indices == [0, 1]
    assert guess.names == ["工单编号", "回访情况/是否满意", "回访情况/是否解决", "承办单位"]


def test_merges_decide_how_far_a_parent_reaches():
    parents = ["回访情况", "", ""]
    leaves = ["是否满意", "是否解决", "备注"]
    # Without merges the group runs on over every blank parent with a leaf…
    assert join_levels(parents, leaves) == ["回访情况/是否满意", "回访情况/是否解决", "回访情况/备注"]
    # …the sheet's merge A1:B1 says it covers two columns only.
    assert join_levels(parents, leaves, merges=[(0, 0, 0, 1)]) == ["回访情况/是否满意", "回访情况/是否解决", "备注"]


def test_a_header_row_with_one_data_row_below_is_not_two_level():
    rows = [["工单编号", "来电时间", "满意度"], ["GD1", None, "满意"]]
    assert find_header(rows, SYNONYMS).row_indices == [0]


def test_without_known_names_the_first_well_filled_row_is_the_header():
    rows = [["Report"], [], ["a", "b", "c"], ["1", "2", "3"]]
    guess = find_header(rows, None)
    assert guess.row_indices == [2]
    assert not guess.recognised
    guess = find_header(rows, {"nothing like it"})
    assert guess.row_indices == [2] and not guess.recognised


def test_blank_and_repeated_names_are_made_unique():
    assert finish_names(["备注", "", "备注", "备注"]) == ["备注", "column_B", "备注 (2)", "备注 (3)"]
    assert finish_names(["", "x"], first_column=2) == ["column_C", "x"]


def test_numbers_and_dates_in_header_cells_become_text():
    import datetime as dt

    guess = find_header([["工单编号", 2024.0, dt.date(2024, 3, 1)]], SYNONYMS)
    assert guess.names == ["工单编号", "2024", "2024-03-01"]


# ---------------------------------------------------------------- properties

_TITLE = st.lists(
    st.text(alphabet="示例市工单明细导出时间说明：0123456789 ", min_size=1, max_size=30), min_size=1, max_size=2
)
_DATA_CELL = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="GD0123456789满意市局街道", max_size=12),
)


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(_TITLE, max_size=8),
    data=st.lists(st.lists(_DATA_CELL, min_size=4, max_size=4), max_size=10),
)
def test_the_header_is_found_below_any_title_rows(titles, data):
    header = ["工单编号", "来电时间", "承办单位", "满意度"]
    rows = [*titles, header, *data]
    guess = find_header(rows, SYNONYMS)
    assert guess.row_indices == [len(titles)]
    assert guess.names[:4] == header
