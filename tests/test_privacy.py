"""Personal data in ticket text: what the scrubber finds, what it leaves alone, and where ingest applies it."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest
from test_ingest_load import CN_HEADER, T, cn_row, raw_table

from citistat.config import load_config
from citistat.errors import ConfigError
from citistat.ingest.agencies import AgencyTable
from citistat.ingest.normalise import parse_table
from citistat.ingest.profiles import build_profile, validate_profile
from citistat.privacy import Scrubber, cn_id_valid, luhn_valid, merge_privacy, shipped_privacy, validate_privacy
from citistat.workspace import Workspace


@pytest.fixture(scope="module")
def scrubber():
    return Scrubber.from_settings()


def scrub(scrubber, text, key=False):
    counts = Counter()
    return scrubber.text(text, counts, key=key), dict(counts)


# ------------------------------------------------------------------ each kind


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("请回电13912345000，谢谢", "请回电[电话]，谢谢", "mobile"),
        ("手机 +86 139-1234-5000", "手机 [电话]", "mobile"),
        ("电话 139 1234 5000 下午打", "电话 [电话] 下午打", "mobile"),
        ("座机010-62345678找物业", "座机[电话]找物业", "landline"),
        ("拨打(0755)12345678转123", "拨打[电话]", "landline"),
        ("联系电话 6234567", "联系电话 [电话]", "phone_after_word"),
        ("身份证110101199003074514要补办", "身份证[身份证号]要补办", "id_card"),
        ("证件11010119900307451x", "证件11010119900307451x", None),  # wrong check digit: not an ID number
        ("邮箱 zhang.san@example.com 回复", "邮箱 [邮箱] 回复", "email"),
        ("退款到卡6222021234567890128", "退款到卡[卡号]", "card"),
        ("联系人王小明，电话见备注", "联系人[姓名]，电话见备注", "name_zh"),
        ("来电人：张女士反映", "来电人：[姓名]反映", "name_zh"),
        ("姓名 欧阳明", "姓名 [姓名]", "name_zh"),
        ("联系方式：李先生", "联系方式：[姓名]", "name_zh"),
        ("举报人：欧阳明华 2019年", "举报人：[姓名] 2019年", "name_zh"),
        ("我叫陶娟静，今年34岁", "我叫[姓名]，今年34岁", "name_zh"),
        ("Caller: John Smith says the light is out", "Caller: [name] says the light is out", "name_en"),
        ("contact: Mrs. Alvarez", "contact: [name]", "name_en"),
        ("call back at (212) 555-0142", "call back at [phone]", "us_phone"),
        ("call 13912345000, or 13912345000.", "call [phone], or [phone].", "mobile2"),
        ("+1 718.555.0199 after 5pm", "[phone] after 5pm", "us_phone"),
        ("email jo@example.org", "email [email]", "email"),
        ("card 4111 1111 1111 1111 was charged", "card [card number] was charged", "card"),
        ("１３８００１３８０００", "[phone]", "mobile"),  # full-width digits read as digits
    ],
)
def test_each_kind_becomes_its_typed_placeholder(scrubber, text, expected, kind):
    cleaned, counts = scrub(scrubber, text)
    assert cleaned == expected
    assert counts == ({kind.rstrip("2"): 1 + kind.endswith("2")} if kind else {})


@pytest.mark.parametrize(
    "text",
    [
        "工单2024031312345678已转办",  # a 20-digit style ticket id
        "GD20240313000123",
        "Unique Key 59893184",
        "金额12345678元，发票号 04400123",  # amounts and invoice numbers
        "罚款 1,234,567.89 元",
        "2024-03-15 10:00:00 来电",
        "03/15/2024 10:00:00 PM",
        "幸福里12号楼3单元501室",  # house numbers are no phone numbers
        "朝阳路100号院2号楼1001",
        "123 Main Street, Apt 4B",
        "Street Name: Main St",
        "zip 10027, lot 1234567",
        "订单 1234567890123",  # 13 digits, no card network prefix
        "建议 12345 热线回访",
        "坐标 116.397128, 39.916527",
        "版本 v13.812.345678",
        "成人姓名变更的咨询",  # 姓名 without a name after it (real petition-board titles)
        "反映人多了，政府出面了",
        "联系人单位未回复",
        "报告人：全体业主",
        "价格 13800138000.50 元",
    ],
)
def test_ordinary_numbers_and_addresses_are_left_alone(scrubber, text):
    assert scrub(scrubber, text) == (text, {})


def test_checks():
    assert cn_id_valid("110101199003074514") and not cn_id_valid("110101199003074515")
    assert cn_id_valid("11010519491231002X") and cn_id_valid("11010519491231002x")
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")


def test_the_placeholder_speaks_the_language_of_its_text(scrubber):
    assert scrub(scrubber, "回电13800138000")[0] == "回电[电话]"
    assert scrub(scrubber, "call 13800138000")[0] == "call [phone]"


def test_a_key_field_loses_the_number_and_the_word_before_it(scrubber):
    assert scrub(scrubber, "幸福里0号 电话 13800138000", key=True) == ("幸福里0号", {"mobile": 1})
    assert scrub(scrubber, "幸福里0号（联系人王小明，电话13800138000）", key=True)[0] == "幸福里0号"
    assert scrub(scrubber, "幸福里0号", key=True) == ("幸福里0号", {})


def test_a_column_is_scrubbed_once_per_distinct_value_and_counted_per_row(scrubber):
    values = pd.Series(["幸福里0号 电话 13800138000"] * 3 + ["幸福里0号", None, "13900139000"], dtype="string")
    cleaned, counts = scrubber.series(values, key=True)
    assert cleaned.tolist()[:4] == ["幸福里0号"] * 4
    assert pd.isna(cleaned.iloc[4]) and pd.isna(cleaned.iloc[5])  # a place that was only a number is no place
    assert counts == {"mobile": 4}


def test_numbers_typed_as_numbers_are_scrubbed_too(scrubber):
    assert scrubber.scalar(13800138000) == "[phone]"
    assert scrubber.scalar(20240313) == 20240313 and scrubber.scalar(3.5) == 3.5


# ------------------------------------------------------------------ configuration


def test_shipped_settings_are_valid():
    import tomllib

    from citistat.workspace import DEFAULT_CONFIG_DIR

    data = tomllib.loads((DEFAULT_CONFIG_DIR / "privacy.toml").read_text(encoding="utf-8"))
    assert validate_privacy(data) == []


def test_a_bad_pattern_stops_the_config_load_with_a_clear_sentence(tmp_path):
    ws = Workspace(tmp_path)
    ws.config_dir.mkdir(parents=True)
    (ws.config_dir / "privacy.toml").write_text(
        '[[pattern]]\nname = "local"\nregex = "([0-9"\nplaceholder = "[证件]"\ncheck = "crc"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as error:
        load_config(ws)
    text = str(error.value)
    assert "regex is not a valid regular expression" in text and "check = 'crc'" in text and "privacy.toml" in text


def test_an_empty_matching_pattern_is_refused():
    problems = validate_privacy({"pattern": [{"name": "x", "regex": "\\d*", "placeholder": "[x]"}]})
    assert any("matches empty text" in p for p in problems)


def test_a_city_adds_its_own_id_format(tmp_path):
    ws = Workspace(tmp_path)
    ws.config_dir.mkdir(parents=True)
    (ws.config_dir / "privacy.toml").write_text(
        'fields = ["subcategory"]\n'
        '[[pattern]]\nname = "resident_card"\nregex = \'JZ\\d{8}\'\nplaceholder = "[居住证号]"\n'
        "placeholder_en = \"[residence permit]\"\nquick = 'JZ[0-9]'\n"
        '[[pattern]]\nname = "email"\nenabled = false\n',
        encoding="utf-8",
    )
    config = load_config(ws)
    names = [p["name"] for p in config.privacy["pattern"]]
    assert names[-1] == "resident_card" and "email" not in names and "mobile" in names
    scrubber = Scrubber.from_settings(config.privacy)
    assert scrubber.text("居住证JZ12345678办理") == "居住证[居住证号]办理"
    assert "subcategory" in scrubber.fields and "title" in scrubber.fields


def test_merge_keeps_the_shipped_order():
    merged = merge_privacy(shipped_privacy(), {"pattern": [{"name": "mobile", "regex": "x", "placeholder": "[m]"}]})
    names = [p["name"] for p in merged["pattern"]]
    assert (
        names == [p["name"] for p in shipped_privacy()["pattern"]]
        and merged["pattern"][names.index("mobile")]["regex"] == "x"
    )


def test_a_profile_may_list_personal_columns():
    config = load_config(None)
    data = dict(config.profiles["cn-12345"], personal=["身份证号"])
    assert validate_profile("cn-12345", data) == []
    assert build_profile("cn-12345", data).personal == ("身份证号",)
    assert validate_profile("cn-12345", dict(data, personal="身份证号"))


# ------------------------------------------------------------------ at ingest

HEADER = [*CN_HEADER, "标题", "社区", "所属街道"]


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def parse(config, rows, columns=HEADER, profile="cn-12345"):
    return parse_table(
        raw_table(rows, columns),
        build_profile(profile, config.profiles[profile]),
        AgencyTable(config.aliases, config.roster),
        salt=b"salt",
        lang="zh-CN",
    )


def test_titles_and_places_are_scrubbed_before_anything_is_kept(config):
    rows = [
        [*cn_row("GD1"), "请回电13912345000，联系人王小明", "幸福里0号 电话 13800138000", "和平街道"],
        [*cn_row("GD2"), "路灯不亮", "幸福里0号", "和平街道 联系人张三"],
        [*cn_row("GD3", satisfaction="不满意，回电13700137000"), "噪音扰民 邮箱 a@b.cn", "幸福里0号", "和平街道"],
    ]
    parsed = parse(config, rows)
    tickets = parsed.tickets
    # (text fields are NFKC-folded on the way in: the full-width comma becomes ",")
    assert tickets["title"].tolist() == ["请回电[电话],联系人[姓名]", "路灯不亮", "噪音扰民 邮箱 [邮箱]"]
    assert tickets["place"].tolist() == ["幸福里0号"] * 3
    assert tickets["street"].tolist() == ["和平街道"] * 3
    stored = json.dumps([i.to_dict() for i in parsed.issues], ensure_ascii=False) + tickets.to_csv()
    for planted in ("13912345000", "王小明", "13800138000", "张三", "13700137000", "a@b.cn"):
        assert planted not in stored
    redacted = {i.fields["field"]: i for i in parsed.issues if i.code == "personal_data_redacted"}
    assert set(redacted) == {"title", "place", "street"}
    assert redacted["title"].fields["count"] == "3" and "mobile 1" in redacted["title"].raw_value
    assert redacted["place"].fields["count"] == "1" and redacted["place"].column == "社区"
    # the free-text answer that failed keeps its place in the report (folded like the text), without the number
    answer = next(i for i in parsed.issues if i.code == "unknown_answer")
    assert answer.raw_value == "不满意,回电[电话]" and answer.ticket_id == "GD3"


def test_a_signature_line_is_skipped_without_its_number(config):
    rows = [[*cn_row("GD1"), "t", "p", "s"], ["制表人：王五 电话 13800138000", *[None] * (len(HEADER) - 1)]]
    parsed = parse(config, rows)
    assert parsed.skipped["first_cell"].tolist() == ["制表人:王五 电话 [电话]"]


def test_rejected_rows_keep_where_and_why_but_not_who(config):
    rows = [
        [
            *cn_row("GD9", created="not a date", name="李四", phone="13900001111"),
            "回电13900001111",
            "幸福里",
            "和平街道",
        ]
    ]
    rejects = parse(config, rows).rejects
    row = rejects.iloc[0]
    assert (row["file"], row["sheet"], row["row"], row["ticket_id"], row["code"]) == (
        "a.xlsx",
        "工单明细",
        4,
        "GD9",
        "bad_date",
    )
    assert row["raw_value"] == "not a date" and row["column"] == "来电时间"
    assert row["来电人"] == "[已隐去]" and row["联系电话"] == "[已隐去]" and row["标题"] == "回电[电话]"
    assert "李四" not in rejects.to_csv() and "13900001111" not in rejects.to_csv()


def test_a_column_the_profile_marks_personal_is_masked(config):
    profile = dict(config.profiles["cn-12345"], personal=["证件号"])
    raw = raw_table([[*cn_row("GD1", created=None), "A123456(7)"]], [*CN_HEADER, "证件号"])
    parsed = parse_table(raw, build_profile("cn-12345", profile), AgencyTable(config.aliases, config.roster), lang="en")
    assert parsed.rejects.iloc[0]["证件号"] == "[masked]"


# ------------------------------------------------------------------ invisible characters in names


def test_control_and_bidi_characters_leave_names_with_an_issue(config):
    rows = [
        [*cn_row("GD1", agency="市水务局\u202e"), "标题\u200b一", "幸福\x07里", "和平\u2066街道\u2069"],
        [*cn_row("GD2", agency="市水务局"), "标题二", "幸福里", "和平街道"],
    ]
    parsed = parse(config, rows)
    tickets = parsed.tickets
    assert tickets["agency"].tolist() == ["市水务局", "市水务局"]
    assert tickets["agency_raw"].iloc[0] == "市水务局"
    assert tickets["place"].tolist() == ["幸福里", "幸福里"] and tickets["street"].iloc[0] == "和平街道"
    found = {i.fields["column"]: i for i in parsed.issues if i.code == "invisible_characters"}
    assert {"承办单位", "社区", "所属街道"} <= set(found)
    assert found["承办单位"].severity == "cell" and "U+202E" in found["承办单位"].message
    assert found["承办单位"].row == 4 and found["承办单位"].ticket_id == "GD1"


def test_clean_tables_raise_no_privacy_issues(config):
    parsed = parse(config, [[*cn_row("GD1"), "路灯不亮", "幸福里", "和平街道"]])
    assert not [i for i in parsed.issues if i.code in ("personal_data_redacted", "invisible_characters")]
    assert parsed.tickets.iloc[0]["created_at"] == pd.Timestamp(T)


def test_roster_names_lose_invisible_characters_at_config_load_with_an_issue(tmp_path):
    from citistat.ingest import load

    ws = Workspace(tmp_path)
    (ws.config_dir / "agencies").mkdir(parents=True)
    (ws.config_dir / "agencies" / "roster.csv").write_text(
        "agency,unit_type\n城管委\u202e执法队,委办局\n市水务局,委办局\n", encoding="utf-8"
    )
    config = load_config(ws)
    assert [row["agency"] for row in config.roster] == ["城管委执法队", "市水务局"]
    issues = [i for i in load([], config, lang="en").issues if i.code == "invisible_characters"]
    assert len(issues) == 1 and issues[0].row == 2 and "U+202E" in issues[0].message
    assert issues[0].file.endswith("roster.csv") and issues[0].column == "agency"


def test_a_number_in_the_agency_cell_leaves_before_the_roster_look_up(config):
    parsed = parse(config, [[*cn_row("GD1", agency="市水务局 电话13800138000"), "t", "p", "s"]])
    ticket = parsed.tickets.iloc[0]
    assert ticket["agency"] == "市水务局" and ticket["agency_raw"] == "市水务局" and ticket["unit_type"] == "委办局"
    assert not [i for i in parsed.issues if i.code == "unknown_agency"]
    assert [i.fields["field"] for i in parsed.issues if i.code == "personal_data_redacted"] == ["agency_raw"]
