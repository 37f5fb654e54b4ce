#!/usr/bin/env python3
"""Adds re-posts to a JSONL corpus, the way other outlets repeat a bureau's press release.

    scripts/repost.py CORPUS.jsonl [--share 0.3] [--seed 11] [-o OUT.jsonl]

Writes every article of CORPUS, then, for a `--share` of them (drawn with `--seed`), a re-post: another id
(`<id>-rp`), another url (another outlet's site) and another title, published a day later, with a source line
(来源：...) at the top and an editor's line (责任编辑：...) at the bottom; a third of the re-posts are in
Traditional script (text and title, converted with OpenCC's s2t). The re-post says nothing the original did
not: every total over the graph must be the same with and without the re-posts.

Needs the `opencc` Python package (tests/requirements.txt).
"""
import argparse
import datetime
import json
import random
import sys

import opencc

OUTLETS = ["法治晚报", "平安之声", "警民在线", "今日说法网", "城市快讯", "民生观察", "都市新闻网"]
EDITORS = ["王晓", "李青", "陈默", "赵一帆", "孙悦", "周航"]
TITLE_FORMS = ["{title}", "【转载】{title}", "{title}（图）", "权威发布｜{title}"]


def next_day(date):
    """`YYYY-MM-DD` plus one day; anything else unchanged."""
    try:
        return (datetime.date.fromisoformat(date) + datetime.timedelta(days=1)).isoformat()
    except (TypeError, ValueError):
        return date


def repost(rng, article, traditional, s2t):
    outlet = rng.choice(OUTLETS)
    text = f"来源：{outlet}\n{article['text']}\n（责任编辑：{rng.choice(EDITORS)}）"
    title = rng.choice(TITLE_FORMS[1:]).format(title=article.get("title") or "")
    if traditional:
        text, title = s2t.convert(text), s2t.convert(title)
    return {
        "id": f"{article['id']}-rp",
        "title": title,
        "date": next_day(article.get("date")),
        "url": f"https://news.example.net/{rng.randrange(10**8):08d}.html",
        "text": text,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", help="JSONL articles (id, title, date, url, text)")
    ap.add_argument("--share", type=float, default=0.3, help="share of articles re-posted (default 0.3)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("-o", "--output", help="output file (default: standard output)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    s2t = opencc.OpenCC("s2t")
    with open(args.corpus, encoding="utf-8") as f:
        articles = [json.loads(line) for line in f if line.strip()]
    chosen = sorted(rng.sample(range(len(articles)), round(len(articles) * args.share)))
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    with out:
        for a in articles:
            out.write(json.dumps(a, ensure_ascii=False) + "\n")
        for k, i in enumerate(chosen):
            out.write(json.dumps(repost(rng, articles[i], k % 3 == 2, s2t), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
