//! The query stage: SPARQL over the store (the union of all document graphs as the default graph), named
//! queries from `queries/`, and result output for machines (SPARQL JSON, CSV, TSV) and people (a table).

use crate::store::KgStore;
use crate::vocab::PREFIXES;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{Term, Variable};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use std::io::Write;
use unicode_width::UnicodeWidthStr;

include!(concat!(env!("OUT_DIR"), "/named_queries.rs"));

/// A named query: its file name without `.rq`, its text, and the question it answers (its first comment).
#[derive(Debug, Clone, Copy)]
pub struct NamedQuery {
    pub name: &'static str,
    pub text: &'static str,
}

impl NamedQuery {
    /// The first comment line: what question the query answers.
    pub fn description(&self) -> &'static str {
        self.text.lines().find_map(|l| l.trim().strip_prefix('#')).map(str::trim).unwrap_or("")
    }
}

/// Every named query, sorted by name.
pub fn named_queries() -> impl Iterator<Item = NamedQuery> {
    NAMED_QUERIES.iter().map(|&(name, text)| NamedQuery { name, text })
}

/// The named query called `name`, if any.
pub fn named_query(name: &str) -> Option<NamedQuery> {
    named_queries().find(|q| q.name == name)
}

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Xml,
    Csv,
    Tsv,
    /// An aligned table for a terminal; IRIs shortened with the contract's prefixes.
    Table,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("the query is not valid SPARQL: {0}")]
    Syntax(String),
    #[error("the query failed: {0}")]
    Evaluation(String),
    #[error("expected a SELECT query")]
    NotSelect,
    #[error("cannot write the results: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The contract's prefixes as SPARQL `PREFIX` lines, for queries that do not declare their own.
pub fn prefix_declarations() -> String {
    PREFIXES.iter().map(|(p, ns)| format!("PREFIX {p}: <{ns}>\n")).collect()
}

/// Parses a query; the contract's prefixes are predeclared. Evaluates it over the union of all graphs.
pub fn evaluate<'a>(store: &'a KgStore, sparql: &str) -> Result<QueryResults<'a>, QueryError> {
    let mut evaluator = SparqlEvaluator::new();
    for (p, ns) in PREFIXES {
        evaluator = evaluator.with_prefix(*p, *ns).map_err(|e| QueryError::Syntax(e.to_string()))?;
    }
    let mut prepared = evaluator.parse_query(sparql).map_err(|e| QueryError::Syntax(e.to_string()))?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    prepared.on_store(store.oxigraph()).execute().map_err(|e| QueryError::Evaluation(e.to_string()))
}

/// Runs a query and writes its results to `out`. CONSTRUCT/DESCRIBE results are written as Turtle.
pub fn run(store: &KgStore, sparql: &str, format: OutputFormat, out: &mut dyn Write) -> Result<usize, QueryError> {
    let results = evaluate(store, sparql)?;
    let eval = |e: oxigraph::sparql::QueryEvaluationError| QueryError::Evaluation(e.to_string());
    match results {
        QueryResults::Boolean(b) => {
            match format {
                OutputFormat::Table => writeln!(out, "{b}")?,
                _ => {
                    QueryResultsSerializer::from_format(results_format(format))
                        .serialize_boolean_to_writer(&mut *out, b)?;
                }
            }
            Ok(1)
        }
        QueryResults::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            let rows = solutions.map(|s| {
                let s = s.map_err(eval)?;
                Ok(variables.iter().map(|v| s.get(v).cloned()).collect())
            });
            write_rows(&variables, rows, format, out)
        }
        QueryResults::Graph(triples) => {
            let mut ser = RdfSerializer::from_format(RdfFormat::Turtle);
            for (p, ns) in PREFIXES {
                ser = ser.with_prefix(*p, *ns).expect("valid prefix");
            }
            let mut w = ser.for_writer(&mut *out);
            let mut n = 0;
            for t in triples {
                w.serialize_triple(&t.map_err(eval)?)?;
                n += 1;
            }
            w.finish()?;
            Ok(n)
        }
    }
}

/// Writes rows of a SELECT answer (a term per variable, `None` where unbound) in `format`; returns how
/// many rows were written. Rows are streamed, except for the table, whose column widths need them all.
pub fn write_rows(
    variables: &[Variable],
    rows: impl Iterator<Item = Result<Vec<Option<Term>>, QueryError>>,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<usize, QueryError> {
    if format == OutputFormat::Table {
        let mut table = Vec::new();
        for row in rows {
            table.push(row?.iter().map(|t| t.as_ref().map(compact).unwrap_or_default()).collect::<Vec<_>>());
        }
        let header: Vec<String> = variables.iter().map(|v| v.as_str().to_owned()).collect();
        write_table(out, &header, &table)?;
        return Ok(table.len());
    }
    let mut w = QueryResultsSerializer::from_format(results_format(format))
        .serialize_solutions_to_writer(&mut *out, variables.to_vec())?;
    let mut n = 0;
    for row in rows {
        let row = row?;
        w.serialize(variables.iter().zip(&row).filter_map(|(v, t)| Some((v.as_ref(), t.as_ref()?.as_ref()))))?;
        n += 1;
    }
    w.finish()?;
    Ok(n)
}

/// The rows of a SELECT query, each cell as a term (None where the variable is unbound), in the order of
/// the query's variables. The one place rows are read for the library's own queries (tables, graph views,
/// scopes, the ontology reference).
pub fn select_terms(store: &KgStore, sparql: &str) -> Result<Vec<Vec<Option<Term>>>, QueryError> {
    let QueryResults::Solutions(solutions) = evaluate(store, sparql)? else {
        return Err(QueryError::NotSelect);
    };
    let variables = solutions.variables().to_vec();
    let mut rows = Vec::new();
    for s in solutions {
        let s = s.map_err(|e| QueryError::Evaluation(e.to_string()))?;
        rows.push(variables.iter().map(|v| s.get(v).cloned()).collect());
    }
    Ok(rows)
}

/// The variables a SELECT query binds, in order (the query is evaluated but its rows are not read).
pub fn select_variables(store: &KgStore, sparql: &str) -> Result<Vec<String>, QueryError> {
    let QueryResults::Solutions(solutions) = evaluate(store, sparql)? else {
        return Err(QueryError::NotSelect);
    };
    Ok(solutions.variables().iter().map(|v| v.as_str().to_owned()).collect())
}

/// [`select_terms`] with each cell as [`term_text`].
pub fn select_text(store: &KgStore, sparql: &str) -> Result<Vec<Vec<Option<String>>>, QueryError> {
    Ok(select_terms(store, sparql)?
        .into_iter()
        .map(|r| r.iter().map(|t| t.as_ref().map(term_text)).collect())
        .collect())
}

/// A term as plain text: an IRI as its string, a literal by its value (no quotes, datatype or language),
/// a blank node as `_:id`.
pub fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// Text as a SPARQL (and N-Triples) string literal, quotes, backslashes and line breaks escaped: the one
/// way user input goes into the library's queries.
pub fn string_literal(text: &str) -> String {
    oxigraph::model::Literal::new_simple_literal(text).to_string()
}

fn results_format(format: OutputFormat) -> QueryResultsFormat {
    match format {
        OutputFormat::Json | OutputFormat::Table => QueryResultsFormat::Json,
        OutputFormat::Xml => QueryResultsFormat::Xml,
        OutputFormat::Csv => QueryResultsFormat::Csv,
        OutputFormat::Tsv => QueryResultsFormat::Tsv,
    }
}

/// A term as a person reads it: literals by value, IRIs as prefixed names where a prefix fits.
pub fn compact(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => {
            let iri = n.as_str();
            for (p, ns) in PREFIXES {
                if let Some(local) = iri.strip_prefix(ns) {
                    return format!("{p}:{local}");
                }
            }
            if let Some(local) = iri.strip_prefix(crate::vocab::DEFAULT_BASE) {
                return format!("id:{local}");
            }
            format!("<{iri}>")
        }
        Term::BlankNode(b) => format!("_:{}", b.as_str()),
        Term::Literal(l) => l.value().to_owned(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

/// Writes rows as an aligned table; width counts East Asian wide characters as two columns.
pub fn write_table(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> std::io::Result<()> {
    let clean = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(clean(cell).width().min(60));
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let cell = truncate(&clean(cell), *w);
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(&cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w.saturating_sub(cell.width())));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(out, header)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule)?;
    for row in rows {
        line(out, row)?;
    }
    writeln!(out, "({} row{})", rows.len(), if rows.len() == 1 { "" } else { "s" })
}

fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_query_says_what_it_answers() {
        assert!(named_queries().count() >= 5);
        for q in named_queries() {
            assert!(q.text.trim_start().starts_with('#'), "{} must start with a comment", q.name);
            assert!(q.description().len() > 10, "{} needs a one-line description", q.name);
        }
    }

    #[test]
    fn table_aligns_wide_characters() {
        let mut out = Vec::new();
        let rows = vec![vec!["荆门市公安局".to_owned(), "207".to_owned()], vec!["ab".to_owned(), "3".to_owned()]];
        write_table(&mut out, &["agency".into(), "n".into()], &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2].find("207").map(|i| lines[2][..i].width()),
            lines[3].find('3').map(|i| lines[3][..i].width())
        );
        assert!(text.ends_with("(2 rows)\n"));
    }
}
