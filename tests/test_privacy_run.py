"""Planted personal data never reaches a file `run` and `memo` write, and an odd name costs no unit its book.

One small city is loaded through `run` (ingest, archive, books in both languages) and `memo`.
Its export carries each kind of personal data in titles, places, streets, free-text answers,
a signature line, a rejected row and the caller columns; a 311 export carries US-style ones.
Then every file under the workspace's archive is read as what it is (Parquet, SQLite, CSV, xlsx,
HTML, PDF text, JSON, anything else as bytes) and searched for the planted values.
Its roster has an emoji in one agency's name and a right-to-left override in another's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest
from cli_run import invoke

from citistat.workspace import DEFAULT_CONFIG_DIR

EMOJI_UNIT = "幸福街道办事处\U0001f600"
BIDI_UNIT = "城管委\u202e执法队"
ROSTER = [("市水务局", "委办局"), ("市交通委员会", "委办局"), (EMOJI_UNIT, "街乡镇"), (BIDI_UNIT, "委办局")]

# Each planted value, as it is searched for in every file.
PLANTED = {
    "mobile in a title": "13912345000",
    "name in a title": "王小明",
    "mobile in a place": "13800138000",
    "ID number in a title": "110101199003074514",
    "e-mail in a title": "leak.test@example.com",
    "card in a title": "6222021234567890128",
    "landline in a street": "62345678",
    "name in a street": "钱多多",
    "mobile in an answer": "13700137000",
    "name in an answer": "孙悟饭",
    "caller name column": "赵铁柱",
    "caller phone column": "13511112222",
    "rejected row's caller": "周扒皮",
    "rejected row's phone": "13633334444",
    "rejected row's title": "13655556666",
    "signature line": "13600136000",
    "US phone": "555-0142",
    "US name": "Quixley",
    "US e-mail": "jq@example.org",
    "free text column": "13799998888",
    "agency cell": "13522223333",
}

HEADER = [
    "工单编号",
    "来电时间",
    "承办单位",
    "工单状态",
    "办结时间",
    "是否响应",
    "是否解决",
    "满意度",
    "标题",
    "社区",
    "所属街道",
    "诉求内容",
    "来电人",
    "联系电话",
]


def _rows() -> list[list[object]]:
    rows = []
    titles = {
        0: "请回电13912345000，联系人王小明",
        1: "身份证110101199003074514补办",
        2: "回复到leak.test@example.com",
        3: "退款到卡6222021234567890128",
    }
    for i in range(60):
        agency = ROSTER[i % len(ROSTER)][0]
        created = dt.datetime(2024, 3, 1 + i % 28, 9, 0)
        place = "幸福里0号 电话 13800138000" if i % 3 == 0 else "幸福里0号"
        street = "和平街道 座机010-62345678" if i == 5 else ("和平街道 联系人钱多多" if i == 6 else "和平街道")
        satisfaction = {7: "不满意，回电13700137000", 8: "姓名:孙悟饭 不满意"}.get(i, "满意")
        rows.append(
            [
                f"GD{i:04d}",
                created,
                agency,
                "已办结",
                created + dt.timedelta(days=1),
                "是",
                "已解决",
                satisfaction,
                titles.get(i, "路灯不亮"),
                place,
                street,
                "请联系13799998888",
                "赵铁柱",
                "13511112222",
            ]
        )
    rows[9][2] = f"{ROSTER[1][0]} 电话13522223333"  # a number typed into the agency cell
    rows.append(
        [
            "GD9999",
            "不是日期",
            ROSTER[0][0],
            "已办结",
            None,
            "是",
            "已解决",
            "满意",
            "回电13655556666",
            "幸福里0号",
            "和平街道",
            "",
            "周扒皮",
            "13633334444",
        ]
    )
    return rows


def _write_export(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工单明细"
    sheet.append(HEADER)
    for row in _rows():
        sheet.append(row)
    sheet.append(["制表人：李四 电话 13600136000"])
    book.save(path)
    return path


def _write_311(path: Path) -> Path:
    header = [
        "Unique Key",
        "Created Date",
        "Closed Date",
        "Agency",
        "Complaint Type",
        "Descriptor",
        "Street Name",
        "Incident Zip",
        "Status",
    ]
    rows = [
        [
            f"{59000000 + i}",
            f"03/{1 + i:02d}/2024 10:00:00 AM",
            f"03/{2 + i:02d}/2024 10:00:00 AM",
            "市水务局",
            "Noise",
            "Caller: Jonah Quixley (212) 555-0142" if i == 0 else "Loud Music",
            "BROADWAY email jq@example.org" if i == 1 else "BROADWAY",
            "10027",
            "Closed",
        ]
        for i in range(6)
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    config = root / "config"
    (config / "agencies").mkdir(parents=True)
    with (config / "agencies" / "roster.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["agency", "unit_type"], *ROSTER])
    (config / "agencies" / "aliases.csv").write_text("alias,canonical\n", encoding="utf-8")
    settings = (DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8")
    (config / "citistat.toml").write_text(settings.replace("workers = 2", "workers = 1"), encoding="utf-8")
    exports = root / "exports"
    exports.mkdir()
    files = [_write_export(exports / "east.xlsx"), _write_311(exports / "nyc.csv")]
    ws = ("--workspace", str(root))
    run = invoke("run", "--period", "2024-03", *map(str, files), *ws, "--lang", "zh-CN", "--lang", "en", ok=(0, 1))
    invoke(
        "followup",
        "add",
        "--period",
        "2024-03",
        "--agency",
        ROSTER[0][0],
        "--owner",
        "处长",
        "--due",
        "2024-04-15",
        "--metric",
        "resolution",
        "清理积存垃圾",
        *ws,
    )
    invoke("memo", "--period", "2024-03", *ws)
    rejects = root / "validate"
    checked = invoke(
        "validate", "--period", "2024-03", "--rejects", str(rejects), "--json", *map(str, files), *ws, ok=(0, 1)
    )
    (rejects / "validate.json").write_text(checked.stdout, encoding="utf-8")  # searched like every other output
    invoke(
        "build", "--period", "2024-03", "--lang", "zh-CN", "--lang", "en", *ws, ok=(0, 1)
    )  # rejects again, from the archive
    return root, run


# ------------------------------------------------------------------ reading every kind of file


def _text_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas().to_csv()
    if suffix in (".sqlite", ".db"):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return "\n".join(db.iterdump())
    if suffix in (".xlsx", ".zip") or zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        pages = "\n".join(page.extract_text() or "" for page in reader.pages)
        attached = "\n".join(data.decode("utf-8", "replace") for files in reader.attachments.values() for data in files)
        return pages + attached
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _written_files(root: Path) -> list[Path]:
    skip = {"exports", "config"}  # the inputs themselves, and the workspace's settings
    return [p for p in root.rglob("*") if p.is_file() and not skip & set(p.relative_to(root).parts[:1])]


def test_every_kind_of_output_was_written(city):
    root, _ = city
    kinds = {p.suffix.lower() for p in _written_files(root)}
    assert {".parquet", ".sqlite", ".csv", ".xlsx", ".html", ".pdf", ".json"} <= kinds, kinds


def test_no_planted_value_reaches_any_file(city):
    root, _ = city
    hits = []
    for path in _written_files(root):
        text = _text_of(path)
        hits += [f"{what} ({value}) in {path.relative_to(root)}" for what, value in PLANTED.items() if value in text]
    assert not hits, "\n".join(hits)


def test_the_run_saw_the_planted_values_and_counted_them(city):
    """The search above proves something only if the values were there to find: they were, and were counted."""
    root, _ = city
    db = next(root.rglob("archive.sqlite"))
    with sqlite3.connect(db) as con:
        issues = [json.loads(row[0]) for row in con.execute("SELECT issue FROM issues")]
    redacted = {
        (i["fields"]["field"], i["file"].rsplit("/", 1)[-1]): int(i["fields"]["count"])
        for i in issues
        if i["code"] == "personal_data_redacted"
    }
    assert redacted[("title", "east.xlsx")] >= 5 and redacted[("place", "east.xlsx")] == 20
    assert redacted[("street", "east.xlsx")] == 2
    assert redacted[("subcategory", "nyc.csv")] == 2 and redacted[("street", "nyc.csv")] == 1
    rejected = [i for i in issues if i["code"] == "bad_date"]
    assert rejected and rejected[0]["ticket_id"] == "GD9999"


def test_places_with_and_without_a_number_count_as_one(city):
    import pyarrow.parquet as pq

    root, _ = city
    places = set()
    for path in root.rglob("*.parquet"):
        frame = pq.read_table(path).to_pandas()
        if "place" in frame:
            places |= set(frame["place"].dropna())
    assert "幸福里0号" in places and not any("电话" in p or "[" in p for p in places)


def test_the_rejects_report_names_the_row_and_masks_the_caller(city):
    root, _ = city
    for report in [*root.rglob("*rejects.csv")]:
        rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
        row = next(r for r in rows if r.get("ticket_id") == "GD9999")
        assert row["file"].endswith("east.xlsx") and row["code"] == "bad_date" and row["raw_value"] == "不是日期"
        if "来电人" in row:  # the report from the load keeps the row's cells, masked where personal
            assert row["来电人"] == row["联系电话"] == "[已隐去]" and row["标题"] == "回电[电话]"


def test_every_unit_has_its_books_despite_an_emoji_and_a_bidi_override(city):
    root, run = city
    folder = root / "briefings" / "2024-03"
    for lang in ("zh-CN", "en"):
        briefs = list(folder.rglob(f"agencies/*{lang}-internal.pdf"))
        assert len(briefs) >= len(ROSTER), (lang, briefs)
    assert "\U0001f600" in run.output and "幸福街道办事处" in run.output  # the warning names the unit
    book = next(folder.rglob("*book-zh-CN-internal.html")).read_text(encoding="utf-8")
    assert "城管委执法队" in book and "\u202e" not in book
