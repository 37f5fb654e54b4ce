//! Tidy tables (`export --format csv|tsv --table ...`): a header row, one row per fact, IRIs and labels side
//! by side. The SPARQL of each table is a `.rq` file beside this one.
//!
//! Each table is one query over the documents in scope, so that its lookups (labels of shared entities,
//! metric codes) are joined once: a query per document joined them with every label of the store each time,
//! which made the export quadratic (62 s for 250 documents, against a fraction of a second for N-Quads).
//! Many-valued columns of agencies and campaigns are grouped in their own subqueries for the same reason.
//! The rows of a table are sorted in memory (a few hundred bytes a row).

use super::scope::{documents_in_scope, graph_filter, Scope};
use super::{ExportError, Table};
use crate::model::Iris;
use crate::query;
use crate::store::KgStore;
use oxigraph::model::{NamedNode, Term};
use std::io::Write;

impl Table {
    /// The table's query, as written in its `.rq` file.
    pub fn sparql(self) -> &'static str {
        match self {
            Table::Outcomes => include_str!("tables/outcomes.rq"),
            Table::Agencies => include_str!("tables/agencies.rq"),
            Table::Campaigns => include_str!("tables/campaigns.rq"),
            Table::Operations => include_str!("tables/operations.rq"),
        }
    }
}

/// The query restricted to the documents in scope: a list of graphs where the `# graphs` comment stands and,
/// for agencies and campaigns, the entities those documents mention where `# scope` stands. The whole
/// store: the query as it is.
fn in_scope(table: Table, graphs: &[NamedNode], everything: bool) -> String {
    let sparql = table.sparql();
    if everything {
        return sparql.to_owned();
    }
    let graphs_filter = graph_filter(graphs, false);
    let scope = match table {
        Table::Agencies | Table::Campaigns => {
            let subject = if table == Table::Agencies { "?agency" } else { "?campaign" };
            format!(
                "FILTER EXISTS {{ GRAPH ?g0 {{ {subject} pk:mentionedIn ?g0 }} {} }}",
                graphs_filter.replace("?g ", "?g0 ")
            )
        }
        Table::Outcomes | Table::Operations => String::new(),
    };
    sparql.replace("# scope\n", &format!("{scope}\n")).replace("# graphs\n", &format!("{graphs_filter}\n"))
}

/// A cell of the table: an IRI as its string, a literal by its value; CSV quoted per RFC 4180, TSV with
/// tabs and line breaks replaced by spaces.
fn cell(text: &str, tsv: bool) -> String {
    if tsv {
        text.replace(['\t', '\n', '\r'], " ")
    } else if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Writes a tidy table: a header row, one row per fact, IRIs and labels side by side; CSV quoted per
/// RFC 4180 (CRLF line ends), TSV with tabs and line breaks in values replaced by spaces. UTF-8, no BOM.
/// Returns the number of rows.
pub fn export_table(
    store: &KgStore,
    table: Table,
    scope: &Scope,
    iris: &Iris,
    tsv: bool,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    let graphs = documents_in_scope(store, scope, iris)?;
    let (end, sep) = if tsv { ("\n", "\t") } else { ("\r\n", ",") };
    let mut write_row = |cells: Vec<String>| -> std::io::Result<()> { write!(out, "{}{end}", cells.join(sep)) };
    // The header, from the query's variables (also when there are no documents): the query restricted to
    // no document answers at once.
    let variables = query::select_variables(store, &in_scope(table, &[], false))?;
    write_row(variables.iter().map(|v| cell(v, tsv)).collect())?;
    let mut n = 0;
    for row in query::select_terms(store, &in_scope(table, &graphs, scope.is_everything()))? {
        let text = |t: &Option<Term>| t.as_ref().map(|t| cell(&query::term_text(t), tsv)).unwrap_or_default();
        write_row(row.iter().map(text).collect())?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_query_parses_and_names_its_columns() {
        let store = KgStore::in_memory().unwrap();
        for table in [Table::Outcomes, Table::Agencies, Table::Campaigns, Table::Operations] {
            let vars = query::select_variables(&store, table.sparql()).unwrap();
            let scoped = query::select_variables(&store, &in_scope(table, &[], false)).unwrap();
            assert_eq!(vars, scoped, "{table:?}: the scoped query has the same columns");
            assert!(vars.len() >= 4, "{table:?}: {vars:?}");
            assert!(table.sparql().starts_with('#'), "{table:?} starts with a comment saying what it is");
        }
    }

    #[test]
    fn cells_are_quoted_per_rfc_4180() {
        assert_eq!(cell("a,b", false), "\"a,b\"");
        assert_eq!(cell("say \"x\"", false), "\"say \"\"x\"\"\"");
        assert_eq!(cell("a\tb\nc", true), "a b c");
        assert_eq!(cell("plain", false), "plain");
    }
}
