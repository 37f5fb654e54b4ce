#!/usr/bin/env bash
# Builds policekg, builds a graph from the shipped samples, and shows what the samples report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cargo build --release --quiet
store=${1:-samples.store}
bin="${CARGO_TARGET_DIR:-target}/release/policekg"
"$bin" build data/samples --store "$store"
echo
echo "== Outcomes per agency and campaign (policekg query --store $store outcomes-by-agency-campaign) =="
"$bin" query --store "$store" outcomes-by-agency-campaign --format table
