#!/usr/bin/env bash
# Runs the whole test suite; installs what the tests need first (Debian and Python packages).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
# Style first: formatting (rustfmt.toml) and lints, warnings as errors.
cargo fmt --all --check
cargo clippy --release --workspace --all-targets -- -D warnings
# One profile for everything: release, which scripts/try.sh builds too, so RocksDB compiles once.
cargo test --release --workspace --all-targets "$@"
scripts/fuzz.sh 15  # coverage-guided fuzzing of ingest and extraction, 15 s a target (fuzz/)
# Every dependency must allow the project to be MIT OR Apache-2.0.
python3 scripts/check_licenses.py
# Fixtures and samples must be our own writing: no run of real article text (needs ../shared beside the clone).
if [ -f ../shared/eval/copied_text.py ]; then python3 ../shared/eval/copied_text.py .; fi
