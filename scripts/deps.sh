#!/usr/bin/env bash
# Installs what building and testing policekg needs on a fresh Debian machine, skipping what is there.
#   scripts/deps.sh build   libclang (RocksDB's bindgen step) and a C++ compiler
#   scripts/deps.sh test    the above, plus Graphviz, a CJK font, curl, Chromium (the query page tests), node
#                           (when none is on PATH), the Python test tools and the npm package cytoscape (into
#                           target/test-tools, where tests/graph.rs looks for it)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}

apt_pkgs=(libclang-dev clang g++)
[ "$what" = test ] && apt_pkgs+=(graphviz fonts-noto-cjk curl python3-pip chromium)
[ "$what" = test ] && ! command -v node >/dev/null && apt_pkgs+=(nodejs npm)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$what" = test ]; then
  if ! python3 - <<'PY' 2>/dev/null
import importlib, sys
for m in ("pyoxigraph", "rdflib", "pyshacl", "networkx", "pandas", "SPARQLWrapper", "igraph", "pyld", "owlready2", "opencc"):
    importlib.import_module(m)
PY
  then
    echo "installing Python test tools (tests/requirements.txt)" >&2
    python3 -m pip install -q -r tests/requirements.txt
  fi
fi

if [ "$what" = test ] && [ ! -f target/test-tools/node_modules/cytoscape/package.json ]; then
  # Cytoscape.js, run headless in node by tests/graph.rs to load `policekg graph --format cytoscape`.
  echo "installing the npm package cytoscape into target/test-tools" >&2
  mkdir -p target/test-tools
  npm install --silent --no-audit --no-fund --prefix target/test-tools cytoscape@3 >/dev/null
fi
