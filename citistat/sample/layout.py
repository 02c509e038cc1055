"""The export layout the generator writes (and the cn-12345 input profile reads).

See docs in sample_data/README.md: a title row, an export-time/说明 row, the
header, the tickets, then a 合计 row and a signature line.
"""

from __future__ import annotations

SHEET_NAME = "工单明细"
LOOKUP_SHEET_NAME = "字典"  # hidden; a small lookup list readers must ignore

COLUMNS: tuple[str, ...] = (
    "工单编号",
    "来电时间",
    "来电渠道",
    "诉求类别",
    "诉求子类",
    "标题",
    "所属区",
    "所属街道",
    "社区",
    "承办单位",
    "工单状态",
    "办结时间",
    "是否响应",
    "是否解决",
    "满意度",
    "是否有效回访",
    "来电人",
    "联系电话",
    "是否重办",
)
DATETIME_COLUMNS: tuple[str, ...] = ("来电时间", "办结时间")

# The GB18030 CSV variant names a few columns differently, as another export system would.
CSV_HEADER_SYNONYMS: dict[str, str] = {
    "来电时间": "受理时间",
    "承办单位": "主办单位",
    "满意度": "回访结果",
    "诉求类别": "问题分类",
}
CSV_ENCODING = "gb18030"

CITY_NAME = "示例市"
NOTE = "说明：本表仅供内部考核使用"
SIGNATURE = "制表人：周某某　审核人：吴某某"
TOTAL_LABEL = "合计"


def default_title(period: str) -> str:
    year, month = period.split("-")
    return f"{CITY_NAME}12345市民服务热线工单明细（{year}年{month}月）"


def csv_header() -> list[str]:
    return [CSV_HEADER_SYNONYMS.get(name, name) for name in COLUMNS]
