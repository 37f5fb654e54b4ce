//! `policekg validate` (SHACL shapes compiled to SPARQL) and `policekg ontology` (the Turtle, or a reference
//! generated from it).

use anyhow::{Context, Result};
use clap::{ValueEnum, ValueHint};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::NamedNode;
use policekg::store::KgStore;
use policekg::validate::{self, ClassHierarchy, Report};
use std::path::PathBuf;
use std::process::ExitCode;

/// Validate a store (or RDF files) against SHACL shapes.
///
/// The shapes (default: the compiled-in `ontology/shapes.ttl`) are compiled to SPARQL and run over the union
/// of all graphs, the ontology graph included. Exit status 0 when the data conforms, 1 when there are
/// violations, 2 on errors.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The store directory.
    #[arg(long, short, value_hint = ValueHint::DirPath, required_unless_present_any = ["data", "show_queries"], conflicts_with = "data")]
    store: Option<PathBuf>,
    /// RDF files to validate instead of a store (any format, by extension), loaded with the ontology.
    #[arg(long, value_hint = ValueHint::FilePath, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Other SHACL shapes (Turtle) instead of the compiled-in ones.
    #[arg(long, value_hint = ValueHint::FilePath)]
    shapes: Option<PathBuf>,
    /// Report format.
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Print the SPARQL each constraint compiles to, and exit.
    #[arg(long)]
    show_queries: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// A verdict line and one block per violation.
    Text,
    /// `{"conforms": bool, "violations": [{focus, path, constraint, value, shape, message}]}`.
    Json,
}

/// Print the ontology (Turtle, N-Triples, RDF/XML...), or a reference of every class, property and metric
/// code (--doc).
///
/// RDF/XML is what owlready2 and older OWL tools read; N-Quads puts the triples in the ontology graph
/// <https://w3id.org/policekg/ns>, as `build` stores them (to add to a store loaded from `extract` shards).
#[derive(Debug, clap::Args)]
pub struct OntologyArgs {
    /// Write a reference generated from the ontology instead of the ontology itself.
    #[arg(long)]
    doc: bool,
    /// The format: turtle (default), ntriples, rdfxml, nquads, trig, jsonld; with --doc, md (default) or html.
    #[arg(long, short, value_enum)]
    format: Option<OntologyFormat>,
    /// Output file (default: standard output).
    #[arg(long, short, value_hint = ValueHint::FilePath)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OntologyFormat {
    Turtle,
    Ntriples,
    Rdfxml,
    Nquads,
    Trig,
    Jsonld,
    Md,
    Html,
}

pub fn validate(args: ValidateArgs) -> Result<ExitCode> {
    let shapes = match &args.shapes {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("{}: cannot read the shapes", p.display()))?,
        None => validate::SHAPES_TTL.to_owned(),
    };
    if args.show_queries {
        let constraints = validate::compile(&shapes, &ClassHierarchy::of_ontology()?)?;
        super::with_output(None, |out| {
            for c in &constraints {
                let path = c.path.as_ref().map(|p| p.as_str()).unwrap_or("-");
                writeln!(out, "# {} {path} {}\n{}\n", c.shape, c.component, c.sparql)?;
            }
            Ok(())
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let kg = match &args.store {
        Some(dir) => KgStore::open_read_only(dir)?,
        None => {
            let kg = KgStore::in_memory()?;
            kg.install_ontology()?;
            for (i, file) in args.data.iter().enumerate() {
                let format =
                    file.extension().and_then(|e| e.to_str()).and_then(RdfFormat::from_extension).with_context(
                        || {
                            format!(
                                "{}: unknown RDF format (give a .ttl, .nt, .nq, .trig, .jsonld or .rdf file)",
                                file.display()
                            )
                        },
                    )?;
                let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
                let graph = NamedNode::new(format!("urn:policekg:data:{i}"))?;
                kg.oxigraph()
                    .load_from_slice(RdfParser::from_format(format).with_default_graph(graph), &bytes)
                    .with_context(|| format!("{}: not valid {format}", file.display()))?;
            }
            kg
        }
    };
    let constraints = validate::compile(&shapes, &ClassHierarchy::of_store(&kg)?)?;
    let report: Report = validate::validate(&kg, &constraints)?;
    match args.format {
        ReportFormat::Text => super::with_output(None, |out| Ok(write!(out, "{}", report.to_text())?))?,
        ReportFormat::Json => {
            super::with_output(None, |out| Ok(writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?))?
        }
    }
    Ok(if report.conforms { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn ontology(args: OntologyArgs) -> Result<ExitCode> {
    use policekg::export::ExportFormat;
    let rdf =
        match (args.doc, args.format.unwrap_or(if args.doc { OntologyFormat::Md } else { OntologyFormat::Turtle })) {
            (_, f @ (OntologyFormat::Md | OntologyFormat::Html)) => {
                let reference = policekg::ontology::reference()?;
                let text = if f == OntologyFormat::Md { reference.to_markdown() } else { reference.to_html() };
                super::with_output(args.output.as_deref(), |out| Ok(out.write_all(text.as_bytes())?))?;
                return Ok(ExitCode::SUCCESS);
            }
            (true, _) => anyhow::bail!("--doc writes md or html; leave out --doc for an RDF format"),
            (false, OntologyFormat::Turtle) => ExportFormat::Turtle,
            (false, OntologyFormat::Ntriples) => ExportFormat::NTriples,
            (false, OntologyFormat::Rdfxml) => ExportFormat::RdfXml,
            (false, OntologyFormat::Nquads) => ExportFormat::NQuads,
            (false, OntologyFormat::Trig) => ExportFormat::TriG,
            (false, OntologyFormat::Jsonld) => ExportFormat::JsonLd,
        };
    super::with_output(args.output.as_deref(), |out| Ok(policekg::ontology::write(rdf.rdf_format(), out)?))?;
    Ok(ExitCode::SUCCESS)
}

/// Write the store as RDF (with a VoID/DCAT description of the export), or as a tidy table.
///
/// RDF output is sorted, so two exports of the same store are byte-identical. Dataset formats (nquads,
/// trig, jsonld) keep one named graph per document; the description is in the default graph. CSV and TSV
/// need --table. Scoping options select documents; all given must hold.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The store directory.
    #[arg(long, short, value_hint = ValueHint::DirPath)]
    store: PathBuf,
    /// Output format: RDF (nquads, trig, turtle, ntriples, jsonld, rdfxml) or a table (csv, tsv; needs --table).
    #[arg(long, short, value_enum, default_value_t = ExportFormatArg::Nquads)]
    format: ExportFormatArg,
    /// Output file (default: standard output).
    #[arg(long, short, value_hint = ValueHint::FilePath)]
    output: Option<PathBuf>,
    /// The table to write with --format csv|tsv.
    #[arg(long, value_enum)]
    table: Option<TableArg>,
    #[command(flatten)]
    selection: super::SelectionArgs,
    /// Licence of the data, as an IRI (e.g. https://creativecommons.org/licenses/by/4.0/), stated in the description.
    #[arg(long, value_name = "IRI", value_hint = ValueHint::Url)]
    license: Option<String>,
    /// The SPARQL endpoint that serves this data, stated in the description.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    endpoint: Option<String>,
    /// Build date stated in the description (YYYY-MM-DD; default: SOURCE_DATE_EPOCH if set, else today, UTC).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
    /// Leave out the VoID/DCAT description of the export.
    #[arg(long)]
    no_description: bool,
    /// Leave out the ontology graph.
    #[arg(long)]
    no_ontology: bool,
    /// Base IRI of instance IRIs (as given to build).
    #[arg(long, default_value = policekg::vocab::DEFAULT_BASE, value_hint = ValueHint::Url)]
    base: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormatArg {
    Nquads,
    Trig,
    Turtle,
    Ntriples,
    Jsonld,
    Rdfxml,
    Csv,
    Tsv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TableArg {
    Outcomes,
    Agencies,
    Campaigns,
    Operations,
}

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    use policekg::export::{export_table, export_with, ExportFormat, ExportOptions, Scope, Table};
    let iris = policekg::model::Iris::new(&args.base)?;
    let scope: Scope = args.selection.into_selection()?;
    let format = match args.format {
        ExportFormatArg::Nquads => ExportFormat::NQuads,
        ExportFormatArg::Trig => ExportFormat::TriG,
        ExportFormatArg::Turtle => ExportFormat::Turtle,
        ExportFormatArg::Ntriples => ExportFormat::NTriples,
        ExportFormatArg::Jsonld => ExportFormat::JsonLd,
        ExportFormatArg::Rdfxml => ExportFormat::RdfXml,
        ExportFormatArg::Csv | ExportFormatArg::Tsv => {
            let table = match args.table {
                Some(TableArg::Outcomes) => Table::Outcomes,
                Some(TableArg::Agencies) => Table::Agencies,
                Some(TableArg::Campaigns) => Table::Campaigns,
                Some(TableArg::Operations) => Table::Operations,
                None => anyhow::bail!("--format csv|tsv needs --table outcomes|agencies|campaigns|operations"),
            };
            let kg = KgStore::open_read_only(&args.store)?;
            let tsv = args.format == ExportFormatArg::Tsv;
            super::with_output(args.output.as_deref(), |out| {
                Ok(export_table(&kg, table, &scope, &iris, tsv, out).map(|_| ())?)
            })?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    if args.table.is_some() {
        anyhow::bail!(
            "--table goes with --format csv or tsv (the outcomes are in every RDF export as a Data Cube dataset)"
        );
    }
    let kg = KgStore::open_read_only(&args.store)?;
    let options = ExportOptions {
        format,
        scope,
        iris,
        description: !args.no_description,
        ontology: !args.no_ontology,
        license: args.license,
        endpoint: args.endpoint,
        date: args.date,
    };
    super::with_output(args.output.as_deref(), |out| Ok(export_with(&kg, &options, out).map(|_| ())?))?;
    Ok(ExitCode::SUCCESS)
}
