#!/usr/bin/env python3
"""Fails when a dependency's licence does not allow policekg to be MIT OR Apache-2.0.

Reads `cargo metadata`; a licence expression passes when one of its OR-alternatives is made only of
permissive licences (no GPL/LGPL/AGPL, which would force the project's own licence; MPL-2.0 is accepted: see below).
"""
import json
import re
import subprocess
import sys

PERMISSIVE = {
    "MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Zlib",
    "Unicode-3.0", "Unicode-DFS-2016", "CC0-1.0", "0BSD", "BSL-1.0", "CECILL-B", "MIT-0", "Unlicense",
    # MPL-2.0 is file-level copyleft (Servo's CSS crates under scraper): it binds changes to those files
    # only, not the project around them, so policekg stays MIT OR Apache-2.0.
    "MPL-2.0", "CDLA-Permissive-2.0", "bzip2-1.0.6",
}


def ok(expr):
    expr = expr.replace("/", " OR ")
    for alternative in re.split(r"\s+OR\s+", expr.replace("(", " ").replace(")", " ")):
        parts = [p.strip() for p in re.split(r"\s+AND\s+", alternative) if p.strip()]
        if parts and all(p in PERMISSIVE for p in parts):
            return True
    return False


meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--locked"],
                                 check=True, capture_output=True, text=True).stdout)
bad = [(p["name"], p["version"], p.get("license")) for p in meta["packages"]
       if p.get("source") and not ok(p.get("license") or "")]
for name, version, lic in bad:
    print(f"{name} {version}: licence {lic!r} is not known to allow MIT OR Apache-2.0")
print(f"{len(meta['packages'])} packages checked, {len(bad)} with a licence problem")
sys.exit(1 if bad else 0)
