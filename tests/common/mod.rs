//! Helpers shared by the integration tests: run the real `policekg` binary on real stores.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn articles() -> PathBuf {
    fixtures().join("articles")
}

pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples")
}

/// Runs `policekg ARGS`; returns the output whatever the exit status.
pub fn policekg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policekg")).args(args).output().expect("policekg runs")
}

/// Runs `policekg ARGS` and insists on success.
pub fn ok(args: &[&str]) -> Output {
    let out = policekg(args);
    assert!(
        out.status.success(),
        "policekg {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Builds `inputs` into `store` and returns the store's export as sorted N-Quads lines.
pub fn build_and_export(inputs: &[&Path], store: &Path) -> Vec<String> {
    let mut args = vec!["build"];
    args.extend(inputs.iter().map(|p| s(p)));
    args.extend(["--store", s(store), "--quiet"]);
    ok(&args);
    export_sorted(store)
}

/// The store's data as sorted N-Quads lines (without the export's description of itself, whose counts and
/// document list change with the data: tests compare data).
pub fn export_sorted(store: &Path) -> Vec<String> {
    let out = ok(&["export", "--store", s(store), "--format", "nquads", "--no-description"]);
    let mut lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

/// Whether a Python module is importable (the test suite's setup installs them; see scripts/test.sh).
pub fn python_has(module: &str) -> bool {
    Command::new("python3").args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success())
}

/// Fails loudly when a tool the suite needs is missing, rather than silently passing.
pub fn require_python(module: &str) {
    assert!(python_has(module), "python3 module {module} is missing: run scripts/test.sh (it installs it)");
}

/// SplitMix64: a tiny deterministic generator, so every run tries the same cases (no dependency).
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// `n` generated articles (`scripts/gen_corpus.py` with `seed`), one JSONL line each.
pub fn generated_lines(n: usize, seed: u64) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_corpus.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([n.to_string(), "--seed".into(), seed.to_string()])
        .output()
        .expect("python3 runs scripts/gen_corpus.py");
    assert!(out.status.success(), "gen_corpus.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), n);
    lines
}

/// `n` generated articles as `dir/corpus.jsonl`.
pub fn generated_corpus(dir: &Path, n: usize, seed: u64) -> PathBuf {
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, generated_lines(n, seed).join("\n") + "\n").unwrap();
    path
}
