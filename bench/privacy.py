"""`python -m bench.privacy [--rows 1000000]`: what scrubbing personal data and invisible characters costs at ingest.

Parses one generated table (12345 columns plus title, place and street) twice with
`normalise.parse_table`: with the shipped privacy settings, and with none (no pattern, no field), and
times the scrub step alone. About 2 % of titles and 1 % of places carry a phone number or a
name; the rest hold house numbers, amounts, dates and ids, as real titles do.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

TITLES = [
    "{n}号楼下水道堵塞，已多次反映",
    "幸福里{n}号院垃圾清运不及时",
    "路灯不亮（{n}号杆）",
    "噪音扰民 晚上{h}点后施工",
    "供暖温度不达标 室温{h}度",
    "小区门口占道经营 {n}米",
    "退费{n}.5元未到账",
    "工单GD2024{n:08d}重复投诉",
    "{y}-03-{d:02d}反映的问题未解决",
    "物业费上涨{n}元",
    "公交{n}路车晚点",
    "建议在{n}号路口增设红绿灯",
]
WITH_PII = [
    "请回电139{n:08d}，联系人王小明",
    "电话 010-6{n:07d} 张女士",
    "联系人：李先生 手机138{n:08d}",
    "身份证110101199003074514补办",
    "邮箱 user{n}@example.com",
]


def make_table(rows: int, seed: int = 7):
    from citistat.ingest.rawtable import RawTable

    rng = np.random.default_rng(seed)
    n = rng.integers(1, 99999, rows)
    plain = [TITLES[i % len(TITLES)] for i in range(len(TITLES))]
    titles = [
        plain[k].format(n=v, h=v % 24, y=2024, d=1 + v % 28) for k, v in zip(rng.integers(0, len(plain), rows), n)
    ]
    for i in np.flatnonzero(rng.random(rows) < 0.02):
        titles[i] = WITH_PII[i % len(WITH_PII)].format(n=int(n[i]))
    places = np.array([f"幸福里{i}号" for i in range(500)], dtype=object)[rng.integers(0, 500, rows)]
    tainted = rng.random(rows) < 0.01
    places[tainted] = [f"{p} 电话 1380013{i % 10000:04d}" for i, p in zip(np.flatnonzero(tainted), places[tainted])]
    created = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 28 * 86400, rows), unit="s")
    columns = [
        "工单编号",
        "来电时间",
        "承办单位",
        "工单状态",
        "是否响应",
        "是否解决",
        "满意度",
        "标题",
        "社区",
        "所属街道",
    ]
    data = pd.DataFrame(
        {
            "工单编号": [f"GD{i:09d}" for i in range(rows)],
            "来电时间": created.to_numpy(),
            "承办单位": np.array(["市水务局", "市交通委员会", "和平街道办事处"], dtype=object)[
                rng.integers(0, 3, rows)
            ],
            "工单状态": "已办结",
            "是否响应": "是",
            "是否解决": "已解决",
            "满意度": "满意",
            "标题": titles,
            "社区": places,
            "所属街道": "和平街道",
        },
        dtype=object,
    )
    return RawTable(
        file="bench.xlsx",
        sheet="工单明细",
        format="xlsx",
        encoding=None,
        header_rows=[1],
        columns=columns,
        column_letters=[chr(65 + i) for i in range(len(columns))],
        data=data,
        row_numbers=np.arange(2, rows + 2),
    )


def main(argv: list[str] | None = None) -> None:
    from citistat.config import load_config
    from citistat.ingest import normalise, scrub
    from citistat.ingest.agencies import AgencyTable
    from citistat.ingest.profiles import build_profile
    from citistat.privacy import Scrubber

    parser = argparse.ArgumentParser(prog="python -m bench.privacy", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} (wall times on a busy machine stretch; CPU times less so)")
    config = load_config(None)
    profile = build_profile("cn-12345", config.profiles["cn-12345"])
    agencies = AgencyTable(config.aliases, config.roster)
    started = time.perf_counter()
    raw = make_table(args.rows)
    print(f"table of {args.rows:,} rows made in {time.perf_counter() - started:.1f} s")

    spent = {"scrub": 0.0, "scrub_cpu": 0.0}
    original = scrub.scrub_table

    def timed(*a, **k):
        began, began_cpu = time.perf_counter(), time.process_time()
        original(*a, **k)
        spent["scrub"] += time.perf_counter() - began
        spent["scrub_cpu"] += time.process_time() - began_cpu

    normalise.scrub_table = timed
    try:
        for label, scrubber in (
            ("no privacy settings", Scrubber((), (), frozenset(), frozenset())),
            ("shipped settings", Scrubber.from_settings(config.privacy)),
        ):
            spent.update(scrub=0.0, scrub_cpu=0.0)
            began, began_cpu = time.perf_counter(), time.process_time()
            parsed = normalise.parse_table(raw, profile, agencies, salt=b"bench", scrubber=scrubber)
            total, total_cpu = time.perf_counter() - began, time.process_time() - began_cpu
            redacted = sum(int(i.fields["count"]) for i in parsed.issues if i.code == "personal_data_redacted")
            print(
                f"{label:>20}: parse_table {total:6.2f} s wall / {total_cpu:6.2f} s CPU, of which the scrub step "
                f"{spent['scrub']:5.2f} s wall / {spent['scrub_cpu']:5.2f} s CPU; {redacted:,} redactions"
            )
    finally:
        normalise.scrub_table = original


if __name__ == "__main__":
    main()
