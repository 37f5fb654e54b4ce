//! Progress of `policekg build` on stderr: a bar on a terminal (a percentage and the time left when the
//! number of documents is known), a plain line every 30 s in a log, and the summary line at the end.

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use policekg::pipeline::{BuildSummary, Progress};
use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a plain progress line is written when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(30);

/// A progress bar on stderr, drawn only on a terminal; errors are printed above it. When stderr is a log
/// file or a pipe (a long build under nohup, CI, a cluster job), a plain progress line is written instead,
/// at most every [`LOG_EVERY`].
pub(crate) struct BarProgress {
    pub(crate) bar: ProgressBar,
    /// The documents the inputs hold, when known (0: unknown).
    expected: AtomicU64,
    /// For the plain lines: when the build started, and when the last line was written.
    log: Option<(Instant, Mutex<Instant>)>,
    quiet: bool,
}

/// Documents per second, rounded to a whole number.
fn rate_key(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.0} documents/s", state.per_sec());
}

impl BarProgress {
    pub(crate) fn new(quiet: bool) -> Self {
        let (bar, log) = if quiet {
            (ProgressBar::hidden(), None)
        } else if !std::io::stderr().is_terminal() {
            let now = Instant::now();
            (ProgressBar::hidden(), Some((now, Mutex::new(now))))
        } else {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} documents ({rate}) {msg}")
                    .expect("valid template")
                    .with_key("rate", rate_key),
            );
            (bar, None)
        };
        Self { bar, expected: AtomicU64::new(0), log, quiet }
    }

    /// "40% of 2000, about 1m30s left" when the total is known.
    fn share_and_eta(&self, done: u64, elapsed: Duration) -> Option<String> {
        let total = self.expected.load(Ordering::Relaxed);
        if total == 0 || done == 0 {
            return None;
        }
        let share = (done as f64 / total as f64).min(1.0);
        let left = elapsed.as_secs_f64() * (1.0 - share) / share;
        Some(format!("{:.0}% of {total}, about {} left", share * 100.0, clock(left)))
    }
}

/// Seconds as `1h02m`, `3m05s` or `12s`.
fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, min, sec) => format!("{min}m{sec:02}s"),
        (h, min, _) => format!("{h}h{min:02}m"),
    }
}

impl Progress for BarProgress {
    fn inputs_found(&self, files: usize) {
        self.bar.set_message(format!("from {files} input file(s)"));
    }
    fn wants_total(&self) -> bool {
        !self.quiet
    }
    fn documents_expected(&self, documents: u64) {
        self.expected.store(documents, Ordering::Relaxed);
        if documents > 0 && !self.bar.is_hidden() {
            self.bar.set_length(documents);
            self.bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{wide_bar}] {percent:>3}% {pos}/{len} documents ({rate}, {eta} left)",
                )
                .expect("valid template")
                .with_key("rate", rate_key)
                .progress_chars("=> "),
            );
        }
    }
    fn batch_done(&self, articles: usize, summary: &BuildSummary) {
        self.bar.inc(articles as u64);
        if let Some((started, last_line)) = &self.log {
            let mut last = last_line.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.elapsed() >= LOG_EVERY {
                *last = Instant::now();
                let read = self.bar.position();
                let elapsed = started.elapsed();
                let share = self.share_and_eta(read, elapsed).map(|s| format!(", {s}")).unwrap_or_default();
                eprintln!(
                    "policekg: {read} documents read in {}{share} ({:.0} documents/s), {} unchanged, {} error(s)",
                    clock(elapsed.as_secs_f64()),
                    read as f64 / elapsed.as_secs_f64().max(1e-3),
                    summary.unchanged,
                    summary.errors.len()
                );
            }
        }
    }
    fn error(&self, message: &str) {
        self.bar.suspend(|| eprintln!("policekg: {message}"));
    }
}

/// The one line a build ends with: what was built, how fast, where the time went, what was written.
pub(crate) fn summary_line(s: &BuildSummary) -> String {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 { s.built as f64 / secs } else { 0.0 };
    format!(
        "built {} document(s), {} unchanged, {} failed in {secs:.1}s ({rate:.0} documents/s; extracting {:.1}s, \
         writing {:.1}s, overlapped; compacting {:.1}s, views {:.1}s, overlapped); {} quads written",
        s.built,
        s.unchanged,
        s.errors.len(),
        s.extracting.as_secs_f64(),
        s.writing.as_secs_f64(),
        s.compacting.as_secs_f64(),
        s.refreshing.as_secs_f64(),
        s.quads_written,
    )
}

/// The documents on standard input when it is a regular file (`< articles.jsonl`): counted on a
/// duplicate of the descriptor, which is then rewound. None for a pipe or a terminal.
pub(crate) fn stdin_documents() -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let mut file = std::fs::File::from(fd);
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let start = file.stream_position().ok()?;
    let n = policekg::pipeline::count_jsonl_lines(std::io::BufReader::new(&mut file)).ok();
    file.seek(SeekFrom::Start(start)).ok()?;
    n
}

/// A reader that notes whether anything but white space went through it.
pub(crate) struct WhitespaceWatch<R> {
    inner: R,
    seen: Arc<AtomicBool>,
}

impl<R: Read> WhitespaceWatch<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, seen: Arc::new(AtomicBool::new(false)) }
    }

    /// Set once a byte other than white space has been read.
    pub(crate) fn seen_content(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.seen)
    }
}

impl<R: Read> Read for WhitespaceWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if buf[..n].iter().any(|b| !b.is_ascii_whitespace()) {
            self.seen.store(true, Ordering::Relaxed);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_like_durations() {
        assert_eq!(clock(12.4), "12s");
        assert_eq!(clock(185.0), "3m05s");
        assert_eq!(clock(3725.0), "1h02m");
    }
}
