//! The graph stage: network views of the knowledge graph as [petgraph] graphs, read from the store with
//! SPARQL (so they work on any store `policekg build` made), written as Graphviz DOT, GraphML (Gephi,
//! Cytoscape) or JSON node-link (d3, networkx, Cytoscape.js), and rendered with the real `dot`.
//!
//! Every view is read with a handful of simple SPARQL queries (one triple pattern each, so that the cost
//! stays linear in the store when one entity is stated by thousands of document graphs), joined here.
//!
//! | view | nodes | edges |
//! |---|---|---|
//! | [`View::Hierarchy`] | agencies and units | `org:subOrganizationOf` (公安部 down to 派出所) |
//! | [`View::Campaigns`] | campaigns, their organizers and participants | `pk:partOf`, `pk:organizedBy`, `pk:participant` |
//! | [`View::Participation`] | agencies/units and campaigns | agency → campaign, weighted by outcome facts (or one metric's total) |
//! | [`View::CoMention`] | agencies | undirected, weighted by the number of documents naming both |
//!
//! The module is cut by job: [`read`] reads the store into a catalogue and fact rows, [`views`] builds the
//! four views from them, [`write`] writes DOT, GraphML, JSON node-link and Cytoscape.js JSON and renders
//! with `dot`.

mod decimal;
mod read;
mod views;
mod write;

use crate::query::QueryError;
use crate::selection::{Selection, SelectionError};
use crate::store::KgStore;
use petgraph::graph::DiGraph;
use std::fmt::Write as _;

pub use decimal::Decimal;
use read::{Catalogue, Scope};
use views::{campaigns, comention, hierarchy, participation, Builder};
pub(crate) use write::xml_escape;
pub use write::{dot_available, render, write_cytoscape, write_dot, write_graphml, write_json, Cluster, RenderFormat};

/// The font the DOT output asks for: Debian's `fonts-noto-cjk` provides it.
pub const CJK_FONT: &str = "Noto Sans CJK SC";

/// Which network to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Agencies and units under their parents, 公安部 down to 派出所.
    Hierarchy,
    /// Campaigns with their sub-campaigns, organizers and participants.
    Campaigns,
    /// Which agency achieved results under which campaign, weighted by the outcomes reported.
    Participation,
    /// Agencies named in the same documents, weighted by the number of such documents.
    CoMention,
}

impl View {
    pub const ALL: [View; 4] = [View::Hierarchy, View::Campaigns, View::Participation, View::CoMention];

    pub fn name(self) -> &'static str {
        match self {
            View::Hierarchy => "hierarchy",
            View::Campaigns => "campaigns",
            View::Participation => "participation",
            View::CoMention => "comention",
        }
    }

    /// Co-mention is symmetric; every other view follows RDF links and is directed.
    pub fn is_directed(self) -> bool {
        self != View::CoMention
    }

    fn is_weighted(self) -> bool {
        matches!(self, View::Participation | View::CoMention)
    }
}

/// The class of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Agency,
    Unit,
    Campaign,
}

impl NodeKind {
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Agency => "Agency",
            NodeKind::Unit => "Unit",
            NodeKind::Campaign => "Campaign",
        }
    }
}

/// The kind of an edge (the RDF property it stands for, or the relation a view derives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// child → parent (`org:subOrganizationOf`).
    SubOrganizationOf,
    /// sub-campaign → campaign (`pk:partOf`).
    PartOf,
    /// campaign → agency (`pk:organizedBy`).
    OrganizedBy,
    /// campaign → agency (`pk:participant`).
    Participant,
    /// agency → campaign: outcomes, operations or a stated role under the campaign.
    Participation,
    /// agency — agency: named in the same documents.
    CoMention,
}

impl EdgeKind {
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::SubOrganizationOf => "subOrganizationOf",
            EdgeKind::PartOf => "partOf",
            EdgeKind::OrganizedBy => "organizedBy",
            EdgeKind::Participant => "participant",
            EdgeKind::Participation => "participation",
            EdgeKind::CoMention => "coMention",
        }
    }
}

/// A node: an agency, unit or campaign of the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub iri: String,
    pub label: String,
    pub kind: NodeKind,
    /// `National`, `Provincial`, `Prefectural` or `County` for agencies.
    pub level: Option<String>,
    /// The province the organisation belongs to (e.g. 浙江省), from its chain of parents.
    pub province: Option<String>,
    /// The agency a unit belongs to (the agency itself for an agency), for clustering.
    pub agency: Option<String>,
}

/// An edge with its weight and what the weight is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub kind: EdgeKind,
    /// Participation: outcome facts (or the chosen metric's total); co-mention: shared documents; else 1.
    pub weight: f64,
    /// Participation: the number of outcome facts; co-mention: the number of shared documents.
    pub count: u64,
    /// Participation: roles stated (`organizer`, `participant`, `operations N`) and totals per metric.
    pub detail: String,
}

/// A network view: the petgraph graph and what it shows.
#[derive(Debug, Clone)]
pub struct Network {
    pub view: View,
    pub graph: DiGraph<Node, Edge>,
    /// A one-line description of the view and its filters, used as the diagram's title.
    pub title: String,
}

/// What to keep: the [`Selection`] shared with `export` (documents by identifier and date, campaign,
/// agency, province), and the weights. Every condition is optional; they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub selection: Selection,
    /// Weighted views (participation, co-mention): drop edges lighter than this.
    pub min_weight: f64,
    /// Participation: weight edges by this metric's total (e.g. `cases_solved`) instead of fact counts.
    pub metric: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Selection(#[from] SelectionError),
    #[error("Graphviz `dot` is not installed, so the diagram cannot be rendered. Install it with `sudo apt-get install graphviz` (Debian/Ubuntu; `brew install graphviz` on macOS), or write DOT with `--format dot` and render it elsewhere")]
    DotMissing,
    #[error("Graphviz `dot` failed: {0}")]
    DotFailed(String),
    #[error("cannot write the graph: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds one view of the store, filtered.
pub fn build(store: &KgStore, view: View, filter: &Filter) -> Result<Network, GraphError> {
    let cat = Catalogue::load(store)?;
    let scope = Scope::new(store, filter)?;
    let mut b = Builder::default();
    match view {
        View::Hierarchy => hierarchy(store, &cat, &scope, &mut b)?,
        View::Campaigns => campaigns(store, &cat, &scope, &mut b)?,
        View::Participation => participation(store, &cat, &scope, filter, &mut b)?,
        View::CoMention => comention(store, &cat, &scope, &mut b)?,
    }
    if view.is_weighted() && filter.min_weight > 0.0 {
        b.edges.retain(|_, e| e.weight >= filter.min_weight);
        b.nodes = b.edges.keys().flat_map(|(a, c, _)| [a.clone(), c.clone()]).collect();
    }
    Ok(b.finish(&cat, view, title(view, filter)))
}

fn title(view: View, f: &Filter) -> String {
    let mut t = format!(
        "policekg: {}",
        match view {
            View::Hierarchy => "agency hierarchy",
            View::Campaigns => "campaigns, organizers and participants",
            View::Participation => "agency-campaign participation (edge weight: outcome facts)",
            View::CoMention => "agencies named in the same documents (edge weight: documents)",
        }
    );
    if view == View::Participation {
        if let Some(m) = &f.metric {
            t = t.replace("outcome facts", &format!("total {m}"));
        }
    }
    let sel = &f.selection;
    if !sel.documents.is_empty() {
        let _ = write!(t, "; documents {}", sel.documents.join(", "));
    }
    for (name, v) in [
        ("campaign", &sel.campaign),
        ("agency", &sel.agency),
        ("province", &sel.province),
        ("from", &sel.from),
        ("to", &sel.to),
    ] {
        if let Some(v) = v {
            let _ = write!(t, "; {name} {v}");
        }
    }
    if f.min_weight > 0.0 && view.is_weighted() {
        let _ = write!(t, "; weight ≥ {}", f.min_weight);
    }
    t
}
