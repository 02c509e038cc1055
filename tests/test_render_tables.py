"""The ranking and metrics tables as a spreadsheet."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import render_fixtures as fx

from citistat.render import export_tables_xlsx


def test_sheets_header_and_values(tmp_path):
    path = export_tables_xlsx(fx.briefing_inputs(), tmp_path / "tables.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["全部单位", "排名 委办局", "排名 街乡镇", "实际权重"]
    sheet = book["排名 委办局"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["排名", "单位", "单位类型", "工单量", "响应率 %"]
    water = [c.value for c in sheet[2]]
    assert water[:4] == [1, fx.WATER, "委办局", 240]
    satisfaction = header.index("满意率 %")
    # 221 / (221 + 12) = 94.849 % → 94.85; n 233; 12 dissatisfied; 7 unknown (240 − 221 − 12)
    assert water[satisfaction : satisfaction + 4] == [94.85, 233, 12, 7]
    assert water[header.index("满意率 变化（百分点）")] == 1.8
    assert water[header.index("综合得分")] == 93.6
    unranked = [c.value for c in book["排名 街乡镇"][3]]
    assert unranked[0] is None and unranked[1] == fx.JIAODAOKOU  # N/A rank is an empty cell, never 0


def test_names_cannot_become_formulas(tmp_path):
    inputs = fx.briefing_inputs(lang="en")
    evil = replace(inputs.result.unit(fx.WATER), agency='=HYPERLINK("http://x")')
    inputs = replace(inputs, result=replace(inputs.result, units=[evil]))
    book = openpyxl.load_workbook(export_tables_xlsx(inputs, tmp_path / "t.xlsx"))
    cell = book["All units"]["B3"]
    assert cell.value == '\'=HYPERLINK("http://x")' and cell.data_type == "s"
