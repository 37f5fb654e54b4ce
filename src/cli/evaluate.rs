//! `policekg evaluate`: how right the graph is, against gold annotations.

use anyhow::{Context, Result};
use clap::{ValueEnum, ValueHint};
use policekg::evaluate::{self, GoldSet, ReportOptions};
use policekg::store::KgStore;
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `policekg evaluate`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Exit status: 0 when every gold document was scored; 1 when the figures were written but some gold \
document is not in the store or corpus (its items count as misses) or some input could not be read; \
2 on an error (unreadable gold files, no store, bad arguments).

Examples:
  policekg evaluate --gold gold/ articles/                 # extract in memory, then score
  policekg evaluate --gold gold/ --store kg/ --misses      # score a built store, list every miss
  policekg evaluate --gold gold/ articles/ --format json -o scores.json")]
pub struct EvaluateArgs {
    /// Folder of gold files: one JSON file per document (docs/gold-format.md).
    #[arg(long, short, value_hint = ValueHint::DirPath)]
    gold: PathBuf,
    /// Score the graph of this store (built with `policekg build`).
    #[arg(long, short, value_hint = ValueHint::DirPath, conflicts_with = "inputs", required_unless_present = "inputs")]
    store: Option<PathBuf>,
    /// Or: articles to extract and score (files and folders, as `policekg build` reads them).
    ///
    /// They are extracted into a store in memory by the same pipeline as `policekg build`, so the figures
    /// are those of a store built from them; nothing is written to disk.
    #[arg(value_hint = ValueHint::AnyPath)]
    inputs: Vec<PathBuf>,
    /// Report format.
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// List every miss (a gold item not found), spurious item (found, in no gold file) and wrong check
    /// (a matched outcome with the wrong unit, metric, agency...).
    #[arg(long)]
    misses: bool,
    /// Also give each document's figures.
    #[arg(long)]
    per_document: bool,
    /// Output file (default: standard output).
    #[arg(long, short, value_hint = ValueHint::FilePath)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// Aligned tables.
    Text,
    /// One JSON object: `fields`, `accuracy`, and `per_document`, `misses` when asked for.
    Json,
}

pub fn run(args: EvaluateArgs) -> Result<ExitCode> {
    let gold = GoldSet::load(&args.gold)?;
    let mut unreadable = 0;
    let store = match &args.store {
        Some(dir) => KgStore::open_read_only(dir)?,
        None => {
            let (store, summary) = evaluate::extract_corpus(&args.inputs)?;
            for e in &summary.errors {
                eprintln!("policekg: {e}");
            }
            unreadable = summary.errors.len();
            store
        }
    };
    let result = evaluate::evaluate_store(&gold, &store).context("evaluation failed")?;
    let options = ReportOptions { per_document: args.per_document, misses: args.misses };
    super::with_output(args.output.as_deref(), |out| {
        match args.format {
            ReportFormat::Text => evaluate::report::write_text(&result, options, out)?,
            ReportFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &evaluate::report::to_json(&result, options))?;
                writeln!(out)?;
            }
        }
        Ok(())
    })?;
    if !result.missing_documents.is_empty() {
        let n = result.missing_documents.len();
        eprintln!("policekg: {n} gold document(s) not in the graph: {}", result.missing_documents.join(", "));
    }
    Ok(if result.missing_documents.is_empty() && unreadable == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
