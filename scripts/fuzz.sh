#!/usr/bin/env bash
# Coverage-guided fuzzing of ingest and extraction: builds the cargo-fuzz targets in fuzz/, runs each on the
# large generated inputs of fuzz/big_inputs.py once (huge lines, deep HTML and JSON, invalid and mixed
# encodings), then fuzzes each for SECONDS_PER_TARGET (default 20) from its seeds in fuzz/seeds/<target>/.
# Exits non-zero, naming the saved input, on any crash, panic, leak, out-of-memory or timeout.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]        (CI: scripts/test.sh runs it for 15 s a target)
#   POLICEKG_FUZZ_TARGETS="ingest_html extract" scripts/fuzz.sh 600
#
# cargo-fuzz (libFuzzer for Rust, MIT/Apache) is pinned and installed into ~/.cargo/bin when missing. It
# passes -Z flags that only nightly accepts; RUSTC_BOOTSTRAP=1 lets the stable toolchain take them, and
# stable ships the AddressSanitizer runtime, so the targets are built with ASan (cargo-fuzz's default).
# Builds go to ~/.cache/policekg-fuzz-target (outlives a clone, so CI reuses it); logs and failing inputs of
# the last 10 runs to ~/.cache/policekg-fuzz/runs (POLICEKG_FUZZ_WORK). The corpus a run grows is scratch,
# dropped at the end, so a run's time does not grow with history; POLICEKG_FUZZ_CORPUS=DIR keeps it in
# DIR/<target> instead, for long campaigns that resume.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-20}"
[[ "$secs" =~ ^[0-9]+$ && "$secs" -gt 0 ]] || { echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2; }
cargo_fuzz_version=0.13.2
targets=(${POLICEKG_FUZZ_TARGETS:-ingest_text ingest_markdown ingest_html ingest_jsonl ingest_jsonl_stream extract})
target_dir="${POLICEKG_FUZZ_TARGET_DIR:-$HOME/.cache/policekg-fuzz-target}"
work="${POLICEKG_FUZZ_WORK:-$HOME/.cache/policekg-fuzz}"
export RUSTC_BOOTSTRAP=1
# As cargo-fuzz sets it for `cargo fuzz run` (the binaries are run directly here).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
# Per input: at most 1 MiB (so a mutated input can be a huge line), 60 s, one allocation of 1 GiB, 2 GiB
# resident (ASan's shadow memory and quarantine included).
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=60)
started=$SECONDS

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
    echo "fuzz: installing cargo-fuzz $cargo_fuzz_version"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked --quiet
fi
cargo fuzz build --fuzz-dir fuzz --target-dir "$target_dir"
bin="$target_dir/$(rustc -vV | sed -n 's/^host: //p')/release"
echo "fuzz: built in $((SECONDS - started)) s"

run="$work/runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run"
# Logs and failing inputs of the last 10 runs are kept.
ls -1d "$work"/runs/*/ | head -n -10 | xargs -r rm -rf
python3 fuzz/big_inputs.py "$work/big"
big=("$work/big"/*)
corpus="${POLICEKG_FUZZ_CORPUS:-$run/corpus}"
failed=()
# A target's run failed when libFuzzer says so or leaves an artifact (slow-unit-* is only a report).
check() { # target log rc
    local artifacts
    artifacts=$(find "$run/$1" -type f ! -name 'slow-unit-*' 2>/dev/null)
    if [ "$3" -ne 0 ] || [ -n "$artifacts" ]; then
        grep -E -m5 "ERROR|panicked|Test unit written|SUMMARY" "$2" >&2 || tail -n 20 "$2" >&2
        echo "fuzz: $1 FAILED (exit $3); input saved: ${artifacts:-none}; log: $2" >&2
        failed+=("$1")
        return 1
    fi
    find "$run/$1" -name 'slow-unit-*' -exec echo "fuzz: $1: slow input (over 10 s) saved: {}" \;
}

total=0
for t in "${targets[@]}"; do
    mkdir -p "$run/$t" "$corpus/$t"
    # The large inputs, each run once.
    t0=$SECONDS rc=0
    "$bin/$t" "${limits[@]}" -artifact_prefix="$run/$t/" "${big[@]}" >"$run/$t.big.log" 2>&1 || rc=$?
    check "$t" "$run/$t.big.log" "$rc" || continue
    total=$((total + ${#big[@]}))
    echo "fuzz: $t: ${#big[@]} large inputs in $((SECONDS - t0)) s"
    # Coverage-guided: new inputs go to the first corpus folder, the seeds are only read.
    t0=$SECONDS rc=0
    "$bin/$t" "${limits[@]}" -max_len=1048576 -max_total_time="$secs" -print_final_stats=1 \
        -dict=fuzz/genre.dict -artifact_prefix="$run/$t/" "$corpus/$t" "fuzz/seeds/$t" >"$run/$t.log" 2>&1 || rc=$?
    check "$t" "$run/$t.log" "$rc" || continue
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/$t.log")
    total=$((total + ${execs:-0}))
    echo "fuzz: $t: ${execs:-?} executions in $((SECONDS - t0)) s, corpus $(ls "$corpus/$t" | wc -l) inputs"
done
[ -n "${POLICEKG_FUZZ_CORPUS:-}" ] || rm -rf "$corpus"
find "$run" -type d -empty -delete

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#targets[@]} targets, FAILED: ${failed[*]} (inputs and logs under $run)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, $total executions in $((SECONDS - started)) s, no crash"
