#!/usr/bin/env python3
"""Writes the large inputs that scripts/fuzz.sh runs every fuzz target on once, under the sanitizer and the
memory limits, before fuzzing: a huge line (plain and as JSONL), HTML nested deep (closed and never closed),
JSON nested deep, a JSONL stream of many lines, and long runs of invalid UTF-8 and of mixed encodings.
Generated (deterministically), not committed: they are big and repetitive. Sized so that the pass takes
seconds per target under AddressSanitizer; tests/fuzz.rs goes bigger without it.
Usage: big_inputs.py DIR"""
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

FACT = "荆门市公安局破获案件3起、抓获犯罪嫌疑人12名，止付资金近300万元，"
PROSE = "警方提示广大群众提高防范意识，"


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


# One line of 256 KiB without a newline (an article is a few KiB): prose with a fact every 40 sentences.
line = (PROSE * 40 + FACT) * 150
write("huge-line.txt", line.encode("utf-8")[: 256 << 10].decode("utf-8", "ignore"))
# A huge line as JSONL (the text escaped to ASCII, 6 bytes a character).
write("huge-line.jsonl", json.dumps({"id": "huge", "text": line[:40_000]}) + "\n")
# HTML nested 30,000 deep and closed; 30,000 elements never closed.
write("deep.html", "<html><body>" + "<div><span>" * 15_000 + "破获案件3起" + "</span></div>" * 15_000)
write("unclosed.html", "<html><body>" + "<p><b><i>" * 10_000 + "抓获5名")
# JSON nested 50,000 deep in the text field (far past serde_json's recursion limit).
write("deep.jsonl", '{"id":"x","text":' + "[" * 50_000 + '"a"' + "]" * 50_000 + "}\n")
# A JSONL stream of 1,000 short articles, every tenth line cut in half.
lines = []
for i in range(1_000):
    row = json.dumps({"id": f"n{i}", "date": "2024-03-15", "text": f"{FACT[:8]}{i % 97}起，抓获{i % 13}名。"}, ensure_ascii=False)
    lines.append(row[: len(row) // 2] if i % 10 == 9 else row)
write("many-lines.jsonl", "\n".join(lines) + "\n")
# Invalid UTF-8 throughout, and UTF-8, GBK and Big5 lines mixed in one file.
write("invalid-utf8.bin", bytes([0xFF, 0xFE, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xE6, 0xA1]) * 10_000)
mixed = b""
for i in range(1_000):
    mixed += f"第{i}段：{FACT}".encode(["utf-8", "gbk", "big5"][i % 3], "replace") + b"\n"
write("mixed-encodings.txt", mixed)
