//! `policekg graph`: draw a network view of the store as DOT, GraphML, JSON node-link or Cytoscape.js
//! elements, or render it with `dot`.

use anyhow::{bail, Result};
use clap::{ValueEnum, ValueHint};
use policekg::graph::{self, Cluster, Filter, RenderFormat, View};
use policekg::store::KgStore;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `policekg graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The store directory.
    #[arg(long, short, value_hint = ValueHint::DirPath)]
    store: PathBuf,
    /// Which network: the agency hierarchy (公安部 down to 派出所), campaigns with their sub-campaigns,
    /// organizers and participants, agency-campaign participation weighted by outcomes, or agencies
    /// named in the same documents.
    #[arg(long, short, value_enum, default_value_t = ViewArg::Hierarchy)]
    view: ViewArg,
    /// Output format: Graphviz DOT, GraphML (Gephi, Cytoscape), JSON node-link (networkx.node_link_graph
    /// with its defaults, d3, igraph via networkx) or Cytoscape.js elements (`cytoscape({elements})`).
    #[arg(long, short, value_enum, default_value_t = FormatArg::Dot, conflicts_with = "render")]
    format: FormatArg,
    /// Render the diagram with Graphviz `dot` (must be installed: `apt-get install graphviz`; Chinese
    /// labels need a CJK font such as Noto Sans CJK SC from `fonts-noto-cjk`).
    #[arg(long, value_enum)]
    render: Option<RenderArg>,
    /// Output file (default: standard output).
    #[arg(long, short, value_hint = ValueHint::FilePath)]
    output: Option<PathBuf>,
    #[command(flatten)]
    selection: super::SelectionArgs,
    /// Participation and co-mention: drop edges lighter than this.
    #[arg(long, default_value_t = 0.0)]
    min_weight: f64,
    /// Participation: weight edges by this metric's total (e.g. cases_solved) instead of the number of
    /// outcome facts.
    #[arg(long)]
    metric: Option<String>,
    /// DOT boxes: one per province, one per agency with its units, or none.
    #[arg(long, value_enum, default_value_t = ClusterArg::Province)]
    cluster: ClusterArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ViewArg {
    Hierarchy,
    Campaigns,
    Participation,
    Comention,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Dot,
    Graphml,
    Json,
    Cytoscape,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RenderArg {
    Svg,
    Png,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ClusterArg {
    Province,
    Agency,
    None,
}

pub fn run(args: GraphArgs) -> Result<ExitCode> {
    if args.min_weight.is_nan() || args.min_weight < 0.0 {
        bail!("--min-weight must be a number ≥ 0");
    }
    let view = match args.view {
        ViewArg::Hierarchy => View::Hierarchy,
        ViewArg::Campaigns => View::Campaigns,
        ViewArg::Participation => View::Participation,
        ViewArg::Comention => View::CoMention,
    };
    let cluster = match args.cluster {
        ClusterArg::Province => Cluster::Province,
        ClusterArg::Agency => Cluster::Agency,
        ClusterArg::None => Cluster::None,
    };
    let filter =
        Filter { selection: args.selection.into_selection()?, min_weight: args.min_weight, metric: args.metric };
    // Checked before the store is read, so a missing `dot` is reported at once.
    if args.render.is_some() && !graph::dot_available() {
        return Err(graph::GraphError::DotMissing.into());
    }
    let kg = KgStore::open_read_only(&args.store)?;
    let net = graph::build(&kg, view, &filter)?;
    drop(kg);
    if net.graph.node_count() == 0 {
        eprintln!("policekg: the {} view is empty with these filters", view.name());
    }
    match args.render {
        Some(r) => {
            let mut dot = Vec::new();
            graph::write_dot(&net, cluster, &mut dot)?;
            let format = match r {
                RenderArg::Svg => RenderFormat::Svg,
                RenderArg::Png => RenderFormat::Png,
            };
            let dot = String::from_utf8(dot)?;
            match &args.output {
                Some(path) => {
                    graph::render(&dot, format, Some(path))?;
                }
                None => {
                    let image = graph::render(&dot, format, None)?;
                    std::io::stdout().lock().write_all(&image)?;
                }
            }
        }
        None => super::with_output(args.output.as_deref(), |out| {
            match args.format {
                FormatArg::Dot => graph::write_dot(&net, cluster, out)?,
                FormatArg::Graphml => graph::write_graphml(&net, out)?,
                FormatArg::Json => graph::write_json(&net, out)?,
                FormatArg::Cytoscape => graph::write_cytoscape(&net, out)?,
            }
            Ok(())
        })?,
    }
    Ok(ExitCode::SUCCESS)
}
