//! Argument parsing and the commands. Each command turns its flags into settings, calls the library,
//! and reports; errors become one clear line on stderr and a non-zero exit status.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum, ValueHint};
use oxigraph::model::Variable;
use policekg::export::ExportFormat;
use policekg::model::Iris;
use policekg::pipeline::{self, BuildOptions, Progress, Source};
use policekg::query::{self, OutputFormat};
use policekg::store::KgStore;
use policekg::views;
use policekg_extract::ingest;
use progress::{summary_line, BarProgress};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod evaluate;
mod graph;
mod linked_data;
mod progress;
mod serve;

/// Turn Chinese police news articles into a linked-data knowledge graph.
///
/// Articles (.txt, .md, .html, .jsonl; UTF-8, GBK/GB18030 or Big5; Simplified or Traditional script) are
/// read, their agencies, units, campaigns, operations and outcomes extracted with evidence, and stored as
/// RDF in an Oxigraph store that you can query with SPARQL and export as linked data.
#[derive(Debug, Parser)]
#[command(name = "policekg", version, about, long_about, max_term_width = 100)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Extract articles into a store (adds new documents, replaces changed ones).
    ///
    /// Folders are walked recursively for .txt, .md, .html, .htm and .jsonl files; `-` reads JSONL from
    /// standard input. A file that cannot be read is reported on stderr by name and does not stop the
    /// others. Documents whose content and extractor version are unchanged are skipped.
    ///
    /// Exit status: 0 when every input was built (or unchanged); 1 when some inputs could not be read
    /// (each named on stderr; all the others were built); 2 when an error stopped the build (the store
    /// cannot be opened or written; what was committed before stays).
    Build {
        /// Files, folders, or `-` for JSONL on standard input.
        #[arg(required = true, value_hint = ValueHint::AnyPath)]
        inputs: Vec<PathBuf>,
        /// The store directory (created if missing).
        #[arg(long, short, value_hint = ValueHint::DirPath)]
        store: PathBuf,
        /// Re-extract every document, even unchanged ones.
        #[arg(long)]
        force: bool,
        /// Documents per batch: read and extracted in parallel, then handed to the writer.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        batch_size: u32,
        /// Write new documents in transactions too, instead of with Oxigraph's bulk loader (slower).
        ///
        /// By default documents new to the store are bulk-loaded (see --commit-every), and documents
        /// already in the store are replaced in a transaction.
        #[arg(long)]
        no_bulk: bool,
        /// New documents gathered by a bulk load before it commits them, all at once.
        ///
        /// Fewer, larger commits make a large build cheaper (each commit is merged with everything
        /// stored; 30,000 documents took a third less CPU than with a commit per batch); a build killed mid-way loses at most this many documents, which a
        /// re-run writes. Memory does not grow with it: the load sorts its quads into files on disk.
        #[arg(long, default_value_t = 25_000, value_parser = clap::value_parser!(u32).range(1..), value_name = "DOCUMENTS")]
        commit_every: u32,
        /// Skip the compaction that ends a build which wrote documents.
        ///
        /// Bulk loads leave the store in many overlapping files, which every lookup has to visit until
        /// RocksDB merges them: a join on a freshly loaded store ran eight times slower. The compaction
        /// merges them once, at the end (about a quarter of the build's time).
        #[arg(long)]
        no_compact: bool,
        /// Base IRI of instance IRIs.
        #[arg(long, default_value = policekg::vocab::DEFAULT_BASE, value_hint = ValueHint::Url)]
        base: String,
        /// No progress bar or summary line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write the store as linked data (RDF with a dataset description) or as tidy tables (CSV, TSV).
    Export(linked_data::ExportArgs),
    /// Run a SPARQL query: a .rq file, `-e 'QUERY'`, or the name of a named query (see --list).
    ///
    /// The default graph is the union of all document graphs; the contract's prefixes (pk:, org:, prov:,
    /// qb:, skos:, dcterms:, schema:, rdfs:, xsd:) are predeclared.
    Query {
        /// The store directory.
        #[arg(long, short, value_hint = ValueHint::DirPath, required_unless_present = "list")]
        store: Option<PathBuf>,
        /// A .rq file or the name of a named query.
        #[arg(conflicts_with_all = ["expression", "list"], value_hint = ValueHint::FilePath)]
        query: Option<String>,
        /// The query text itself.
        #[arg(long = "expression", short = 'e', conflicts_with = "list")]
        expression: Option<String>,
        /// Result format (default: table on a terminal, else csv).
        #[arg(long, short, value_enum)]
        format: Option<ResultFormat>,
        /// List the named queries with what they answer.
        #[arg(long)]
        list: bool,
        /// Output file (default: standard output).
        #[arg(long, short, value_hint = ValueHint::FilePath)]
        output: Option<PathBuf>,
        /// Evaluate a named query's SPARQL even where build keeps its answer as a view (outcomes-by-agency-
        /// campaign, year-over-year, agency-hierarchy; see docs/facts.md): the same rows, far slower.
        #[arg(long)]
        no_views: bool,
    },
    /// Print what is extracted from articles, grouped by kind, each fact with its evidence.
    Explain {
        /// Article files (.txt, .md, .html, or .jsonl for every line) or folders of them.
        #[arg(required = true, value_hint = ValueHint::AnyPath)]
        inputs: Vec<PathBuf>,
        /// Print the extraction as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Remove documents (by identifier) and exactly their facts from a store.
    Remove {
        /// The store directory.
        #[arg(long, short, value_hint = ValueHint::DirPath)]
        store: PathBuf,
        /// Document identifiers (file names without extension, or JSONL ids).
        #[arg(required = true)]
        ids: Vec<String>,
        /// Base IRI of instance IRIs.
        #[arg(long, default_value = policekg::vocab::DEFAULT_BASE, value_hint = ValueHint::Url)]
        base: String,
    },
    /// Draw the network: agency hierarchy, campaigns, participation, co-mention (DOT, GraphML, JSON).
    Graph(graph::GraphArgs),
    /// Serve the store over the SPARQL 1.1 Protocol, with a query page and dereferenceable IRIs.
    Serve(serve::ServeArgs),
    /// Score a store, or articles extracted in memory, against gold annotations (precision, recall, F1).
    ///
    /// Gold files say what a careful reader finds in each article (docs/gold-format.md); the figures per
    /// field, the strict outcome line and the accuracy lines follow the contract's matching rules.
    Evaluate(evaluate::EvaluateArgs),
    /// Validate a store against the SHACL shapes of `ontology/shapes.ttl` and print a report.
    Validate(linked_data::ValidateArgs),
    /// Print the ontology, or a reference of every class, property and metric code (--doc).
    Ontology(linked_data::OntologyArgs),
    /// Stateless map step: JSONL articles on stdin, N-Quads on stdout (for Spark, Hadoop Streaming...).
    ///
    /// Exit status: 0 when the input was read (an empty input, such as an empty shard, writes nothing and
    /// succeeds); a malformed line is reported on stderr with its line number and skipped, unless --strict
    /// is given, which stops at it with status 1 so that the framework fails the task (Hadoop Streaming does
    /// on a non-zero status; Spark's `rdd.pipe` needs `checkCode=True`). 2 on other errors.
    Extract {
        /// Base IRI of instance IRIs.
        #[arg(long, default_value = policekg::vocab::DEFAULT_BASE, value_hint = ValueHint::Url)]
        base: String,
        /// Fail (exit status 1) at the first malformed line instead of skipping it.
        #[arg(long)]
        strict: bool,
        /// Also write the ontology graph (once, before the articles' quads).
        ///
        /// A store loaded from extract's output needs the ontology graph for the named queries that read
        /// metric labels and class hierarchies; give this flag to one shard (or load `policekg ontology
        /// --format ntriples` into the graph <https://w3id.org/policekg/ns>).
        #[arg(long)]
        with_ontology: bool,
    },
}

/// The selection flags of `export` and `graph` (one meaning in both; see `policekg::selection`).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SelectionArgs {
    /// Only this document (by identifier); repeat for several.
    #[arg(long = "document", value_name = "ID")]
    documents: Vec<String>,
    /// Only this campaign (label or alternative label) and its sub-campaigns.
    #[arg(long, value_name = "LABEL")]
    campaign: Option<String>,
    /// Only this agency or unit (label or alternative label) and everything under it.
    #[arg(long, value_name = "LABEL")]
    agency: Option<String>,
    /// Only this province: a name (浙江, 浙江省) or GB/T 2260 code (330000).
    #[arg(long, value_name = "NAME|CODE")]
    province: Option<String>,
    /// Only documents issued on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only documents issued on or before this date (YYYY, YYYY-MM or YYYY-MM-DD; 2023 is the whole year).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

impl SelectionArgs {
    /// The selection, its dates checked before any store is opened.
    pub(crate) fn into_selection(self) -> Result<policekg::selection::Selection> {
        let selection = policekg::selection::Selection {
            documents: self.documents,
            campaign: self.campaign,
            agency: self.agency,
            province: self.province,
            from: self.from,
            to: self.to,
        };
        selection.check()?;
        Ok(selection)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ResultFormat {
    Json,
    Xml,
    Csv,
    Tsv,
    Table,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("policekg: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A closed pipe anywhere in the chain of causes, recognised by its `io::ErrorKind` (library errors keep
/// their `io::Error` as a `#[source]`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Build { inputs, store, force, batch_size, no_bulk, commit_every, no_compact, base, quiet } => {
            let iris = Iris::new(&base)?;
            let kg = KgStore::open(&store)?;
            let source = if inputs.len() == 1 && inputs[0] == Path::new("-") {
                Source::Jsonl { reader: Box::new(std::io::BufReader::new(std::io::stdin())), origin: "<stdin>".into() }
            } else if inputs.iter().any(|p| p == Path::new("-")) {
                bail!("`-` (JSONL on standard input) cannot be mixed with other inputs");
            } else {
                Source::Paths(inputs)
            };
            let options = BuildOptions {
                force,
                batch_size: batch_size as usize,
                bulk: !no_bulk,
                bulk_commit_docs: commit_every as usize,
                compact: !no_compact,
            };
            let progress = BarProgress::new(quiet);
            if let Source::Jsonl { .. } = &source {
                if let Some(n) = progress::stdin_documents() {
                    progress.documents_expected(n);
                }
            }
            let summary = pipeline::build(&kg, &iris, source, &options, &progress)?;
            progress.bar.finish_and_clear();
            if !quiet {
                eprintln!("{}", summary_line(&summary));
            }
            if !summary.errors.is_empty() {
                eprintln!(
                    "policekg: {} input(s) could not be read (named above); the others were built",
                    summary.errors.len()
                );
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(args) => linked_data::export(args),
        Command::Query { store, query, expression, format, list, output, no_views } => {
            if list {
                with_output(None, |out| {
                    for q in query::named_queries() {
                        writeln!(out, "{:<24} {}", q.name, q.description())?;
                    }
                    Ok(())
                })?;
                return Ok(ExitCode::SUCCESS);
            }
            let sparql = match (&query, expression) {
                (_, Some(e)) => e,
                (Some(q), None) => load_query(q)?,
                (None, None) => bail!("give a query: a .rq file, -e 'SPARQL', or a name from `policekg query --list`"),
            };
            let store = store.context("--store is required")?;
            let kg = KgStore::open_read_only(&store)?;
            let format = match format {
                Some(f) => f,
                None if output.is_none() && std::io::stdout().is_terminal() => ResultFormat::Table,
                None => ResultFormat::Csv,
            };
            let format = match format {
                ResultFormat::Json => OutputFormat::Json,
                ResultFormat::Xml => OutputFormat::Xml,
                ResultFormat::Csv => OutputFormat::Csv,
                ResultFormat::Tsv => OutputFormat::Tsv,
                ResultFormat::Table => OutputFormat::Table,
            };
            let view = match (&query, no_views) {
                (Some(q), false) if !Path::new(q).is_file() => views::current(&kg, q.strip_suffix(".rq").unwrap_or(q))?,
                _ => None,
            };
            with_output(output.as_deref(), |out| {
                match &view {
                    Some((spec, path)) => {
                        let variables: Vec<_> = spec.variables.iter().map(|v| Variable::new_unchecked(*v)).collect();
                        let rows = views::read_rows(spec, path)?.map(|r| Ok(r?));
                        query::write_rows(&variables, rows, format, out)?
                    }
                    None => query::run(&kg, &sparql, format, out)?,
                };
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { inputs, json } => {
            let mut failed = false;
            let mut versions = policekg::dedup::Repeats::default();
            with_output(None, |out| {
                for article in ingest::read_inputs(&inputs) {
                    match article {
                        Ok(article) => {
                            let x = policekg_extract::extract(&article);
                            if json {
                                writeln!(out, "{}", serde_json::to_string_pretty(&x)?)?;
                            } else {
                                write!(out, "{}", policekg_extract::extract::explain(&article, &x))?;
                                if let Some(line) = versions.add(&article) {
                                    writeln!(out, "\n## Re-post\n  {line}")?;
                                }
                            }
                        }
                        Err(e) => {
                            eprintln!("policekg: {e}");
                            failed = true;
                        }
                    }
                }
                Ok(())
            })?;
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Remove { store, ids, base } => {
            let iris = Iris::new(&base)?;
            let kg = KgStore::open_existing(&store)?;
            let missing = policekg::facts::remove_documents(&kg, &iris, &ids)?;
            for id in &missing {
                eprintln!("policekg: no document {id:?} in {}", store.display());
            }
            eprintln!("removed {} document(s); {} quads left", ids.len() - missing.len(), kg.len()?);
            Ok(if missing.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Graph(args) => graph::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Validate(args) => linked_data::validate(args),
        Command::Ontology(args) => linked_data::ontology(args),
        Command::Extract { base, strict, with_ontology } => extract(&Iris::new(&base)?, strict, with_ontology),
    }
}

/// `policekg extract`: JSONL on stdin, N-Quads on stdout.
fn extract(iris: &Iris, strict: bool, with_ontology: bool) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if with_ontology {
        policekg::ontology::write_graph(&mut out)?;
    }
    // Whether the input held anything but white space: the reader reports an empty stream as an error,
    // but an empty shard is a normal input.
    let input = progress::WhitespaceWatch::new(std::io::stdin());
    let seen = input.seen_content();
    let (mut articles, mut skipped) = (0usize, 0usize);
    for article in ingest::read_jsonl(std::io::BufReader::new(input), "<stdin>") {
        match article {
            Ok(a) => {
                let g = pipeline::extract_quads(iris, &a);
                policekg::export::write_quads(g.quads.iter(), ExportFormat::NQuads, &mut out)?;
                articles += 1;
            }
            Err(_) if articles == 0 && skipped == 0 && !seen.load(std::sync::atomic::Ordering::Relaxed) => {}
            Err(e) => {
                eprintln!("policekg: {e}");
                if strict {
                    out.flush()?;
                    eprintln!("policekg: stopped at a malformed line (--strict)");
                    return Ok(ExitCode::from(1));
                }
                skipped += 1;
            }
        }
    }
    out.flush()?;
    if skipped > 0 {
        eprintln!(
            "policekg: extracted {articles} article(s); skipped {skipped} malformed line(s) (--strict fails on them)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A query argument: an existing file, or a named query.
fn load_query(q: &str) -> Result<String> {
    let path = Path::new(q);
    if path.is_file() {
        return std::fs::read_to_string(path).with_context(|| format!("{q}: cannot read the query"));
    }
    let name = q.strip_suffix(".rq").unwrap_or(q);
    match query::named_query(name) {
        Some(nq) => Ok(nq.text.to_owned()),
        None => {
            let names: Vec<_> = query::named_queries().map(|q| q.name).collect();
            bail!("{q}: no such file, and no named query of that name (named queries: {})", names.join(", "))
        }
    }
}

/// Runs `f` with a buffered writer on the file (written via a temporary, renamed on success) or stdout.
pub(crate) fn with_output(path: Option<&Path>, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match path {
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            f(&mut out)?;
            out.flush()?;
        }
        Some(path) => {
            let tmp = path.with_extension("partial");
            let file = std::fs::File::create(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
            let mut out = BufWriter::new(file);
            let result = f(&mut out).and_then(|()| Ok(out.flush()?));
            drop(out);
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Args::command().debug_assert();
    }
}
