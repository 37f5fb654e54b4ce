#!/usr/bin/env python3
"""Writes N synthetic police news articles as JSONL, for benchmarks and scale tests.

    scripts/gen_corpus.py N [--seed 7] [-o FILE] [--start 0]

Every article is assembled from templates written for this script (no real article text): a province, a
prefecture-level city and one of its counties are drawn from the GB/T 2260 gazetteer in data/, then a
campaign (云剑-2023, 断卡, 净网, 夏季行动, 春季攻势 within 雷火2024, ...), agencies and units (公安局, 分局,
派出所, 支队, 反诈中心, 专班), dated operations, enumerations (破获……案件N起，其中……M起、……K起) and
outcomes (抓获犯罪嫌疑人N名, 止付资金X万元, 同比下降Y%, 捣毁窝点N个, 缴获……). The same N and seed always
give the same bytes; `--start` numbers the articles from there (so shards of one corpus can be written by
separate runs: `--start 0 N` then `--start N M` with the same seed give the lines of `N+M`).

Output lines: {"id", "title", "date", "url", "text"} (the JSONL input format of `policekg build`).
"""
import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GAZETTEER = os.path.join(HERE, "..", "data", "gazetteer", "gbt2260.tsv")


def load_places():
    """(province, city, [counties]) triples from the gazetteer, in file order."""
    provinces, cities, counties = {}, {}, {}
    with open(GAZETTEER, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            code, level, name, _short, parent, _former = line.rstrip("\n").split("\t")[:6]
            if level == "province":
                provinces[code] = name
            elif level == "prefecture":
                cities[code] = (name, parent)
            else:
                counties.setdefault(parent, []).append(name)
    out = []
    for code, (city, parent) in sorted(cities.items()):
        province = provinces.get(parent)
        if province and counties.get(code) and city.endswith("市"):
            out.append((province, city, counties[code]))
    return out


# Umbrella campaigns named with a year, and campaigns with a name of their own.
UMBRELLAS = ["云剑", "雷火", "昆仑", "净网", "猎狐", "长城", "利剑", "清源", "蓝剑", "护网", "金剑", "飓风"]
NAMED = ["断卡行动", "净网行动", "昆仑行动", "夏季行动", "百日行动", "秋风行动", "断流行动"]
PHASES = ["春季攻势", "夏季攻势", "秋季攻势", "冬季攻势", "百日攻坚"]

CRIMES = [
    ("电信网络诈骗", "诈骗窝点"), ("网络赌博", "赌博窝点"), ("涉毒", "制毒窝点"), ("盗窃", "销赃窝点"),
    ("涉黄", "卖淫窝点"), ("涉枪涉爆", "非法制枪窝点"), ("传销", "传销窝点"), ("洗钱", "洗钱窝点"),
    ("侵财", "销赃窝点"), ("经济", "地下钱庄"),
]
SEIZED = [("手机", "部"), ("银行卡", "张"), ("电脑", "台"), ("电话卡", "张"), ("仿真枪", "支"),
          ("毒品", "克"), ("作案车辆", "辆"), ("POS机", "台")]
UNITS = ["刑侦支队", "反诈中心", "治安支队", "网安支队", "经侦支队", "禁毒支队", "刑侦大队", "情报指挥中心"]
STATION_TAIL = ["派出所", "派出所", "警务站"]
TOWNS = ["城关", "新华", "东升", "河西", "长安", "青山", "红旗", "南湖", "北关", "金山", "白沙", "桥头"]

OPENERS = [
    "{date}，记者从{city}公安局获悉，",
    "{date}，{city}公安局召开新闻发布会，通报",
    "近日，{city}公安局对外发布消息称，",
    "{date}上午，{province}公安厅召开专题会议，",
]
LEADS = [
    "{year}年以来，全市公安机关以“{umbrella}”专项行动为牵引，持续向{crime}犯罪发起凌厉攻势，",
    "自“{umbrella}”专项行动开展以来，{city}公安局坚持露头就打，对{crime}犯罪保持高压态势，",
    "{year}年{m1}月至{m2}月，{city}警方部署开展{named}，全链条打击{crime}犯罪，",
]
TALLIES = [
    "共破获各类刑事案件{n}起，其中{crime}案件{a}起、盗窃案件{b}起，抓获犯罪嫌疑人{p}名。",
    "累计侦破案件{n}起，其中{crime}案件{a}起、{crime2}案件{b}起、其他案件{c}起，刑事拘留{d}人。",
    "打掉犯罪团伙{g}个，抓获犯罪嫌疑人{p}名，破获案件{n}起，涉案金额{x}万元。",
]
OPERATIONS = [
    "{md}，{county_agency}{unit}联合{station}开展集中收网行动，在{county}{town}一带捣毁{den}{k}个，"
    "当场抓获犯罪嫌疑人{q}名，缴获{item}{i}{iu}、{item2}{j}{ju}。",
    "{md}凌晨，{city}公安局{unit}会同{county_agency}组织警力{police}余名，分{r}组同步收网，"
    "打掉{crime}团伙{g}个，抓获嫌疑人{q}名。",
    "{md}，{county}{town}派出所民警在巡查中发现线索，经连续工作{h}天，成功破获一起{crime}案件，"
    "抓获嫌疑人{q}名，扣押{item}{i}{iu}。",
]
FRAUD = [
    "{city}公安局反诈中心全年紧急止付资金{x}万元，冻结涉案账户{acc}个，劝阻潜在受害人{w}人次，"
    "电信网络诈骗发案同比下降{y}%。",
    "反诈中心依托预警平台推送预警信息{w}条，见面劝阻{dis}人次，拦截资金{x}万元，全市电诈案件同比下降{y}%。",
    "{county_agency}反诈专班累计返还被骗群众资金{x}万元，群众安全感满意度同比上升{z}个百分点。",
]
PHASE_PARAS = [
    "在“{umbrella2}”{phase}中，{province}公安厅统一部署，{city}公安局共抓获{crime}犯罪嫌疑人{p}名，"
    "追回赃款{x}万元。",
    "按照公安部“{umbrella2}”总体部署，{phase}期间{county_agency}破获案件{n}起，同比上升{z}%。",
]
CLOSERS = [
    "下一步，{city}公安局将继续保持严打高压态势，坚决守护好人民群众的钱袋子。",
    "警方提示：凡是要求转账到“安全账户”的都是诈骗，请广大群众提高警惕，谨防上当受骗。",
    "目前，案件正在进一步侦办中。",
    "该局负责人表示，将进一步完善打防管控体系，不断提升人民群众的获得感、幸福感、安全感。",
]
TITLES = [
    "{city}公安“{umbrella}”专项行动战果丰硕",
    "{county}警方捣毁{den}{k}个 抓获{q}人",
    "{city}警方{named}取得阶段性成效",
    "{province}公安机关深入推进“{umbrella2}”{phase}",
]
NUMERALS = "零一二三四五六七八九十"


def cn_small(n):
    """Chinese numerals for 1..99 (some articles write small counts in words)."""
    if n < 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


def article(rng, places, i):
    province, city, counties = rng.choice(places)
    county = rng.choice(counties)
    year = rng.randint(2019, 2025)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    date = f"{year}-{month:02d}-{day:02d}"
    crime, den = rng.choice(CRIMES)
    crime2, _ = rng.choice(CRIMES)
    (item, iu), (item2, ju) = rng.sample(SEIZED, 2)
    m1 = rng.randint(1, max(1, month - 1))
    n = rng.randint(20, 2000)
    a = rng.randint(1, n // 2)
    b = rng.randint(1, max(1, (n - a) // 2))
    v = dict(
        province=province, city=city, county=county, year=year,
        date=f"{year}年{month}月{day}日", umbrella=f"{rng.choice(UMBRELLAS)}-{year}" if rng.random() < 0.5 else f"{rng.choice(UMBRELLAS)}{year}",
        umbrella2=f"{rng.choice(UMBRELLAS)}{year}", phase=rng.choice(PHASES), named=rng.choice(NAMED),
        crime=crime, crime2=crime2, den=den, item=item, iu=iu, item2=item2, ju=ju,
        unit=rng.choice(UNITS), station=f"{rng.choice(TOWNS)}{rng.choice(STATION_TAIL)}", town=rng.choice(TOWNS) + "镇",
        m1=m1, m2=rng.randint(m1, month),
        n=n, a=a, b=b, c=rng.randint(0, max(0, n - a - b)), d=rng.randint(5, 900), p=rng.randint(3, 1500),
        g=rng.randint(1, 60), k=rng.randint(1, 30), q=rng.randint(2, 120), i=rng.randint(2, 400), j=rng.randint(2, 400),
        police=rng.randint(50, 900), r=rng.randint(2, 40), h=rng.randint(3, 90),
        x=rng.choice([f"{rng.randint(10, 9999)}", f"{rng.randint(1, 999)}.{rng.randint(1, 9)}"]),
        acc=rng.randint(10, 5000), dis=rng.randint(10, 3000), w=rng.randint(100, 90000), y=f"{rng.randint(1, 70)}.{rng.randint(0, 9)}",
        z=f"{rng.randint(1, 30)}.{rng.randint(0, 9)}",
    )
    if rng.random() < 0.3:
        v["k"] = cn_small(v["k"] % 20 + 1)
    if rng.random() < 0.2:
        v["x"] = "近" + v["x"]
    if county.endswith("区") and rng.random() < 0.6:
        # A district's organ is a 分局 of the city's bureau.
        v["county_agency"] = f"{city}公安局{county[:-1]}分局"
    else:
        v["county_agency"] = f"{county}公安局"
    paras = [(rng.choice(OPENERS) + rng.choice(LEADS) + rng.choice(TALLIES)).format(**v)]
    for template in rng.sample(OPERATIONS, rng.randint(1, len(OPERATIONS))):
        # Each operation has its own date, unit and figures.
        op_month, op_day = rng.randint(1, month), rng.randint(1, 28)
        w = dict(v, md=f"{op_month}月{op_day}日", unit=rng.choice(UNITS), town=rng.choice(TOWNS) + "镇",
                 k=rng.randint(1, 30), q=rng.randint(2, 120), i=rng.randint(2, 400), j=rng.randint(2, 400),
                 g=rng.randint(1, 60), police=rng.randint(50, 900), r=rng.randint(2, 40), h=rng.randint(3, 90))
        paras.append(template.format(**w))
    if rng.random() < 0.7:
        paras.append(rng.choice(FRAUD).format(**v))
    if rng.random() < 0.5:
        w = dict(v, p=rng.randint(3, 900), n=rng.randint(5, 600), x=str(rng.randint(5, 3000)))
        paras.append(rng.choice(PHASE_PARAS).format(**w))
    paras.append(rng.choice(CLOSERS).format(**v))
    text = "\n".join(paras)
    doc_id = f"gen-{i:07d}"
    return {
        "id": doc_id,
        "title": rng.choice(TITLES).format(**v),
        "date": date,
        "url": f"https://example.org/police-news/{doc_id}.html",
        "text": text,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", type=int, default=0, help="number of the first article")
    ap.add_argument("-o", "--output", help="output file (default: standard output)")
    args = ap.parse_args()
    places = load_places()
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    with out:
        for i in range(args.start, args.start + args.n):
            # One generator per article, seeded by (seed, number): any slice is reproducible on its own.
            rng = random.Random(args.seed * 1_000_003 + i)
            out.write(json.dumps(article(rng, places, i), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
