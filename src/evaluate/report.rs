//! The evaluation report, for people (an aligned table) and machines (JSON): the figures per field, the
//! strict outcome line, the accuracy lines, optionally each document's figures and every miss.

use super::metrics::{Accuracy, Prf, Scores};
use super::Evaluation;
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// What a report holds besides the overall figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Each document's figures.
    pub per_document: bool,
    /// Every miss, spurious item and wrong check.
    pub misses: bool,
}

/// Four decimals, as the figures are read (and as the reference scorer writes them).
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn prf_json(f: &Prf) -> Value {
    json!({"precision": round4(f.precision), "recall": round4(f.recall), "f1": round4(f.f1),
           "tp": f.tp, "fp": f.fp, "fn": f.fn_})
}

fn accuracy_json(a: &Accuracy) -> Value {
    json!({"accuracy": a.value().map(round4), "right": a.right, "n": a.total})
}

/// The figures of one set of scores: `fields` (with `outcomes_strict`) and `accuracy`.
fn scores_json(s: &Scores) -> Map<String, Value> {
    let mut fields: Map<String, Value> =
        s.fields().iter().map(|(k, t)| (k.to_string(), prf_json(&t.figures()))).collect();
    fields.insert("outcomes_strict".into(), prf_json(&s.strict()));
    let accuracy: Map<String, Value> =
        s.accuracy.named().iter().map(|(k, a)| (k.to_string(), accuracy_json(a))).collect();
    let mut out = Map::new();
    out.insert("fields".into(), Value::Object(fields));
    out.insert("accuracy".into(), Value::Object(accuracy));
    out.insert("duplicate_outcomes".into(), s.duplicate_outcomes.into());
    out
}

/// Every miss, spurious item and wrong check, one line each: `KIND field: document: item`.
pub fn miss_lines(e: &Evaluation) -> Vec<String> {
    let t = &e.total;
    let mut lines = Vec::new();
    for (field, tally) in t.fields() {
        lines.extend(tally.misses.iter().map(|m| format!("MISS {field}: {m}")));
        lines.extend(tally.spurious.iter().map(|s| format!("SPURIOUS {field}: {s}")));
    }
    for (line, acc) in t.accuracy.named() {
        lines.extend(acc.wrong.iter().map(|w| format!("WRONG {line}: {w}")));
    }
    lines.extend(e.missing_documents.iter().map(|d| format!("MISSING DOCUMENT: {d}")));
    lines
}

/// The report as JSON.
pub fn to_json(e: &Evaluation, options: ReportOptions) -> Value {
    let mut out = Map::new();
    out.insert("policekg".into(), env!("CARGO_PKG_VERSION").into());
    out.insert("documents".into(), e.documents.len().into());
    out.insert("documents_missing".into(), json!(e.missing_documents));
    out.extend(scores_json(&e.total));
    if options.per_document {
        let docs: Map<String, Value> =
            e.documents.iter().map(|(doc, s)| (doc.clone(), Value::Object(scores_json(s)))).collect();
        out.insert("per_document".into(), Value::Object(docs));
    }
    if options.misses {
        out.insert("misses".into(), json!(miss_lines(e)));
    }
    Value::Object(out)
}

/// The report as text.
pub fn write_text(e: &Evaluation, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let missing = e.missing_documents.len();
    write!(out, "documents scored: {}", e.documents.len())?;
    if missing > 0 {
        write!(out, " ({missing} not in the graph: their items count as misses)")?;
    }
    writeln!(out, "\n{:12} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}", "", "P", "R", "F1", "tp", "fp", "fn")?;
    let t = &e.total;
    let row = |out: &mut dyn Write, name: &str, f: &Prf| {
        writeln!(out, "{name:12} {:6.3} {:6.3} {:6.3} {:5} {:5} {:5}", f.precision, f.recall, f.f1, f.tp, f.fp, f.fn_)
    };
    for (field, tally) in t.fields() {
        row(out, field, &tally.figures())?;
    }
    row(out, "outcomes*", &t.strict())?;
    writeln!(out, "  * strict: outcomes whose unit, metric, approximate marker, agency and campaign are all right")?;
    writeln!(out, "accuracy on matched items:")?;
    for (line, acc) in t.accuracy.named() {
        let value = acc.value().map_or("n/a".to_owned(), |v| format!("{v:.3}"));
        writeln!(out, "  {line:18} {value:>6}  ({}/{})", acc.right, acc.total)?;
    }
    writeln!(
        out,
        "duplicate outcomes (a matched value emitted again; counted as false positives): {}",
        t.duplicate_outcomes
    )?;
    if options.per_document {
        write_per_document(e, out)?;
    }
    if options.misses {
        for line in miss_lines(e) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// One line per document: the F1 of each field and of the strict line (`-` where there was nothing to
/// find and nothing was found).
fn write_per_document(e: &Evaluation, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "F1 per document:")?;
    let mut header = vec!["document".to_owned()];
    header.extend(Scores::FIELDS.iter().map(|f| f.to_string()));
    header.push("outcomes*".into());
    let cell = |f: Prf| if f.tp + f.fp + f.fn_ == 0 { "-".to_owned() } else { format!("{:.3}", f.f1) };
    let rows: Vec<Vec<String>> = e
        .documents
        .iter()
        .map(|(doc, s)| {
            let mut row = vec![doc.clone()];
            row.extend(s.fields().iter().map(|(_, t)| cell(t.figures())));
            row.push(cell(s.strict()));
            row
        })
        .collect();
    crate::query::write_table(out, &header, &rows)
}
