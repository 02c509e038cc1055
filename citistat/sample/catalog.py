"""The fixed vocabulary of the synthetic 示例市: agencies, places, request types, people.

Everything here is invented for the sample data or is a generic public name
(departments, street offices). No list here holds a real person or number.
"""

from __future__ import annotations

from dataclasses import dataclass

DEPARTMENT = "委办局"
STREET_OFFICE = "街乡镇"

# The rename every history has to survive: the old name is used for tickets
# created before RENAME_FROM, the new one from then on.
RENAMED_OLD = "市城市管理委员会"
RENAMED_NEW = "市城市管理局"
RENAME_FROM = "2024-01"  # first period under the new name
RENAME_LAST_DAY_OLD = "2023-12-31"

# Municipal departments, most important first: a smaller sample takes the head of the list.
DEPARTMENTS: tuple[str, ...] = (
    RENAMED_NEW,
    "市住房和城乡建设委员会",
    "市水务局",
    "市交通委员会",
    "市生态环境局",
    "市市场监督管理局",
    "市人力资源和社会保障局",
    "市公安局公安交通管理局",
    "市卫生健康委员会",
    "市教育委员会",
    "市规划和自然资源委员会",
    "市园林绿化局(首都绿化办)",
    "市民政局",
    "市医疗保障局",
    "市商务局",
    "市文化和旅游局",
    "市应急管理局",
    "市体育局",
    "市发展和改革委员会",
    "市通信管理局",
)

# Street and town offices by district, interleaved across districts so that a
# smaller sample still spans several districts.
_STREETS_BY_DISTRICT: dict[str, tuple[str, ...]] = {
    "东城区": (
        "北新桥街道",
        "交道口街道",
        "朝阳门街道",
        "建国门街道",
        "东华门街道",
        "景山街道",
        "安定门街道",
        "东四街道",
    ),
    "西城区": (
        "新街口街道",
        "月坛街道",
        "展览路街道",
        "德胜街道",
        "金融街街道",
        "什刹海街道",
        "西长安街街道",
        "广安门内街道",
    ),
    "朝阳区": (
        "望京街道",
        "呼家楼街道",
        "三里屯街道",
        "建外街道",
        "酒仙桥街道",
        "麦子店街道",
        "团结湖街道",
        "双井街道",
    ),
    "海淀区": ("中关村街道", "学院路街道", "海淀街道", "万寿路街道", "北太平庄街道", "上地街道", "清河街道", "温泉镇"),
    "丰台区": ("右安门街道", "长辛店镇", "卢沟桥街道", "丰台街道", "太平桥街道", "西罗园街道", "方庄街道", "花乡"),
}
STREETS: tuple[tuple[str, str], ...] = tuple(
    (streets[i], district) for i in range(8) for district, streets in _STREETS_BY_DISTRICT.items()
)
DISTRICTS: tuple[str, ...] = tuple(_STREETS_BY_DISTRICT)
FIRST_FILE_DISTRICTS: tuple[str, ...] = ("东城区", "西城区")  # the 2024-03 split of the shipped set

_COMMUNITY_SUFFIXES: tuple[str, ...] = ("东里社区", "西里社区", "北街社区", "南苑社区", "花园社区")


def communities_of(street: str) -> tuple[str, ...]:
    """Five invented community names per street office."""
    stem = street.removesuffix("街道").removesuffix("镇")
    return tuple(stem + suffix for suffix in _COMMUNITY_SUFFIXES)


@dataclass(frozen=True)
class Category:
    name: str
    subcategories: tuple[str, ...]
    departments: tuple[str, ...]  # who handles it when a street office does not
    street_share: float  # share of its tickets dispatched to the street office of the place
    weight: float  # relative volume in an ordinary month
    season: tuple[float, ...] = (1.0,) * 12  # volume multiplier by calendar month, Jan..Dec


_HEATING_SEASON = (4.0, 3.0, 1.5, 0.1, 0.02, 0.02, 0.02, 0.02, 0.05, 0.3, 3.0, 4.0)
_SUMMER_NOISE = (0.7, 0.7, 0.9, 1.0, 1.2, 1.5, 1.6, 1.5, 1.2, 1.0, 0.8, 0.7)

CATEGORIES: tuple[Category, ...] = (
    Category("市容环境", ("垃圾清运", "违规占道", "小广告", "道路保洁"), (RENAMED_NEW,), 0.8, 14),
    Category("物业管理", ("物业服务", "电梯故障", "停车管理", "公共维修"), ("市住房和城乡建设委员会",), 0.6, 13),
    Category("噪声扰民", ("施工噪音", "商业噪音", "夜间施工", "邻里噪音"), ("市生态环境局",), 0.6, 8, _SUMMER_NOISE),
    Category(
        "交通出行", ("公交线路", "违章停车", "交通信号", "道路拥堵"), ("市交通委员会", "市公安局公安交通管理局"), 0.2, 9
    ),
    Category("供暖", ("室温不达标", "暖气不热", "供暖收费", "管道漏水"), (RENAMED_NEW,), 0.4, 5, _HEATING_SEASON),
    Category(
        "房屋拆迁",
        ("拆迁补偿", "安置房", "违法建设", "征收程序"),
        ("市住房和城乡建设委员会", "市规划和自然资源委员会"),
        0.5,
        3,
    ),
    Category("劳动社保", ("拖欠工资", "社保缴纳", "劳动合同", "失业保险"), ("市人力资源和社会保障局",), 0.2, 6),
    Category(
        "市场监管",
        ("食品安全", "价格投诉", "消费纠纷", "无照经营"),
        ("市市场监督管理局", "市商务局", "市发展和改革委员会"),
        0.3,
        8,
    ),
    Category("供水排水", ("停水", "水压低", "污水外溢", "水质问题"), ("市水务局",), 0.3, 5),
    Category(
        "医疗卫生", ("医院服务", "疫苗接种", "医保报销", "诊所管理"), ("市卫生健康委员会", "市医疗保障局"), 0.1, 5
    ),
    Category("教育", ("入学咨询", "校外培训", "学校收费", "校园安全"), ("市教育委员会",), 0.1, 4),
    Category("园林绿化", ("树木修剪", "绿地维护", "病虫害"), ("市园林绿化局(首都绿化办)",), 0.5, 3),
    Category("社会保障", ("养老服务", "低保救助", "残疾人服务"), ("市民政局",), 0.6, 4),
    Category("文体旅游", ("景区服务", "旅行社纠纷", "健身设施"), ("市文化和旅游局", "市体育局"), 0.2, 2),
    Category("安全隐患", ("消防通道", "燃气安全", "危险品"), ("市应急管理局",), 0.5, 2),
    Category("通信服务", ("信号覆盖", "宽带故障", "骚扰电话"), ("市通信管理局",), 0.0, 2),
)

CHANNELS: tuple[str, ...] = ("电话", "微信", "APP", "网站")
CHANNEL_WEIGHTS: tuple[float, ...] = (0.70, 0.14, 0.11, 0.05)

# Title templates: "{subcategory}" is filled in; short, like the 标题 of a real ticket.
TITLE_TEMPLATES: tuple[str, ...] = (
    "反映{}问题",
    "{}长期未解决",
    "咨询{}",
    "投诉{}",
    "{}请尽快处理",
    "小区{}",
    "楼下{}",
    "{}再次反映",
)

# Invented names: common surnames and given-name characters, combined at random.
SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭"
)
GIVEN_NAMES: tuple[str, ...] = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "建国",
    "志强",
    "秀兰",
    "玉兰",
    "海燕",
    "晓东",
    "红梅",
    "丽华",
    "文博",
    "子涵",
    "雨轩",
    "浩然",
    "欣怡",
    "梓萱",
    "宇航",
    "佳怡",
    "俊杰",
    "淑珍",
    "国庆",
    "春梅",
    "德明",
)

# 11-digit numbers on prefixes that are not issued as 11-digit personal mobile
# numbers (14x blocks are used for 13-digit IoT numbers), so a generated number
# cannot belong to a person while still looking like a mobile number.
PHONE_PREFIXES: tuple[str, ...] = ("140", "141", "144")

STATUS_CLOSED = "已办结"
STATUS_OPEN = "办理中"
STATUS_RETURNED = "已退回"
STATUS_REOPENED = "重办"
