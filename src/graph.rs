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

use crate::query::{self, QueryError};
use crate::store::KgStore;
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

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

/// What to keep. Every filter is optional; they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One campaign (by label or alternative label) and its sub-campaigns.
    pub campaign: Option<String>,
    /// One agency or unit (by label or alternative label) and everything under it.
    pub agency: Option<String>,
    /// A province, by name or its start (浙江, 浙江省, 广西壮族自治区).
    pub province: Option<String>,
    /// Documents issued on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
    pub from: Option<String>,
    /// Documents issued on or before this date (YYYY, YYYY-MM or YYYY-MM-DD, inclusive).
    pub to: Option<String>,
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
    #[error("no campaign labelled {0:?} in the store (`policekg query --store DIR campaigns` lists them)")]
    UnknownCampaign(String),
    #[error(
        "no agency or unit labelled {0:?} in the store (`policekg query --store DIR agency-hierarchy` lists them)"
    )]
    UnknownAgency(String),
    #[error("{flag} {value:?} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")]
    InvalidDate { flag: &'static str, value: String },
    #[error("Graphviz `dot` is not installed, so the diagram cannot be rendered. Install it with `sudo apt-get install graphviz` (Debian/Ubuntu; `brew install graphviz` on macOS), or write DOT with `--format dot` and render it elsewhere")]
    DotMissing,
    #[error("Graphviz `dot` failed: {0}")]
    DotFailed(String),
    #[error("cannot write the graph: {0}")]
    Io(#[from] std::io::Error),
}

// ---------------------------------------------------------------------------------------------------
// Reading the store

/// One SELECT query's rows, each cell as text (IRIs as their string, literals by value).
fn select(store: &KgStore, sparql: &str) -> Result<Vec<Vec<Option<String>>>, GraphError> {
    let mut rows = Vec::new();
    match query::evaluate(store, sparql)? {
        QueryResults::Solutions(solutions) => {
            let vars = solutions.variables().to_vec();
            for s in solutions {
                let s = s.map_err(|e| QueryError::Evaluation(e.to_string()))?;
                rows.push(vars.iter().map(|v| s.get(v).map(term_text)).collect());
            }
        }
        _ => return Err(QueryError::Evaluation("expected a SELECT query".into()).into()),
    }
    Ok(rows)
}

fn term_text(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// Pairs `(a, b)` of a two-variable query, rows with a missing cell skipped.
fn pairs(store: &KgStore, sparql: &str) -> Result<Vec<(String, String)>, GraphError> {
    Ok(select(store, sparql)?
        .into_iter()
        .filter_map(|mut r| {
            let b = r.get_mut(1)?.take()?;
            let a = r.get_mut(0)?.take()?;
            Some((a, b))
        })
        .collect())
}

/// A SPARQL string literal.
fn literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// Agencies, units and campaigns of the store with their labels, levels and parents.
#[derive(Default)]
struct Catalogue {
    kinds: HashMap<String, NodeKind>,
    labels: HashMap<String, String>,
    levels: HashMap<String, String>,
    /// organisation → parent organisation (`org:subOrganizationOf`).
    org_parent: HashMap<String, String>,
    /// campaign → parent campaign (`pk:partOf`).
    campaign_parent: HashMap<String, String>,
}

impl Catalogue {
    fn load(store: &KgStore) -> Result<Self, GraphError> {
        let mut cat = Catalogue::default();
        for (s, class) in
            pairs(store, "SELECT DISTINCT ?s ?c WHERE { VALUES ?c { pk:Agency pk:Unit pk:Campaign } ?s a ?c }")?
        {
            let kind = match local_name(&class) {
                "Agency" => NodeKind::Agency,
                "Unit" => NodeKind::Unit,
                _ => NodeKind::Campaign,
            };
            // An organisation typed both ways by different documents counts as an agency.
            let e = cat.kinds.entry(s).or_insert(kind);
            *e = (*e).min(kind);
        }
        for (s, l) in pairs(store, "SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l }")? {
            if cat.kinds.contains_key(&s) {
                let e = cat.labels.entry(s).or_insert_with(|| l.clone());
                if l < *e {
                    *e = l;
                }
            }
        }
        for (s, l) in pairs(store, "SELECT DISTINCT ?s ?l WHERE { ?s pk:level ?l }")? {
            cat.levels.insert(s, local_name(&l).to_owned());
        }
        for (s, p) in pairs(store, "SELECT DISTINCT ?s ?p WHERE { ?s org:subOrganizationOf ?p }")? {
            if s != p {
                cat.org_parent.entry(s).or_insert(p);
            }
        }
        for (s, p) in pairs(store, "SELECT DISTINCT ?s ?p WHERE { ?s pk:partOf ?p }")? {
            if s != p && cat.kinds.get(&s) == Some(&NodeKind::Campaign) {
                cat.campaign_parent.entry(s).or_insert(p);
            }
        }
        Ok(cat)
    }

    fn kind(&self, iri: &str) -> Option<NodeKind> {
        self.kinds.get(iri).copied()
    }

    fn is_org(&self, iri: &str) -> bool {
        matches!(self.kind(iri), Some(NodeKind::Agency | NodeKind::Unit))
    }

    fn label(&self, iri: &str) -> String {
        self.labels.get(iri).cloned().unwrap_or_else(|| local_name(iri).to_owned())
    }

    /// The organisation's ancestors, nearest first (cycles cut).
    fn ancestors(&self, iri: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([iri.to_owned()]);
        let mut cur = iri;
        while let Some(p) = self.org_parent.get(cur) {
            if !seen.insert(p.clone()) {
                break;
            }
            out.push(p.clone());
            cur = p;
        }
        out
    }

    /// The province of an organisation: the label of its provincial agency, without 公安厅/公安局.
    fn province(&self, iri: &str) -> Option<String> {
        std::iter::once(iri.to_owned())
            .chain(self.ancestors(iri))
            .find(|a| self.levels.get(a).map(String::as_str) == Some("Provincial"))
            .map(|a| province_name(&self.label(&a)))
    }

    /// The agency an organisation belongs to: itself for an agency, the nearest agency above a unit.
    fn agency_of(&self, iri: &str) -> Option<String> {
        std::iter::once(iri.to_owned())
            .chain(self.ancestors(iri))
            .find(|a| self.kind(a) == Some(NodeKind::Agency))
            .map(|a| self.label(&a))
    }

    /// `root` and everything below it in `parent` (organisations or campaigns).
    fn subtree(parent: &HashMap<String, String>, roots: &HashSet<String>) -> HashSet<String> {
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for (c, p) in parent {
            children.entry(p.as_str()).or_default().push(c.as_str());
        }
        let mut out: HashSet<String> = roots.clone();
        let mut stack: Vec<&str> = roots.iter().map(String::as_str).collect();
        while let Some(n) = stack.pop() {
            for c in children.get(n).into_iter().flatten() {
                if out.insert((*c).to_owned()) {
                    stack.push(c);
                }
            }
        }
        out
    }

    fn node(&self, iri: &str) -> Node {
        let kind = self.kind(iri).unwrap_or(NodeKind::Agency);
        let org = kind != NodeKind::Campaign;
        Node {
            iri: iri.to_owned(),
            label: self.label(iri),
            kind,
            level: self.levels.get(iri).cloned(),
            province: if org { self.province(iri) } else { None },
            agency: if org { self.agency_of(iri) } else { None },
        }
    }
}

/// 浙江省公安厅 → 浙江省; 北京市公安局 → 北京市.
fn province_name(label: &str) -> String {
    label.strip_suffix("公安厅").or_else(|| label.strip_suffix("公安局")).unwrap_or(label).to_owned()
}

/// The entities labelled `label` (rdfs:label or skos:altLabel) among `candidates`.
fn resolve(store: &KgStore, label: &str, cat: &Catalogue, want: &[NodeKind]) -> Result<HashSet<String>, GraphError> {
    let lit = literal(label.trim());
    let q = format!("SELECT DISTINCT ?s WHERE {{ {{ ?s rdfs:label {lit} }} UNION {{ ?s skos:altLabel {lit} }} }}");
    let mut found: HashSet<String> = select(store, &q)?
        .into_iter()
        .filter_map(|mut r| r.get_mut(0)?.take())
        .filter(|s| cat.kind(s).is_some_and(|k| want.contains(&k)))
        .collect();
    if found.is_empty() && cat.kinds.contains_key(label.trim()) {
        found.insert(label.trim().to_owned());
    }
    Ok(found)
}

/// A date bound as a string that compares correctly with `dcterms:issued` lexical forms.
fn date_bound(flag: &'static str, value: &str, upper: bool) -> Result<String, GraphError> {
    let v = value.trim();
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7),
        10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        _ => false,
    };
    if !ok {
        return Err(GraphError::InvalidDate { flag, value: value.to_owned() });
    }
    // "2023" as an upper bound means the whole of 2023: "2023~" sorts after every "2023-..." form.
    Ok(if upper { format!("{v}~") } else { v.to_owned() })
}

/// What the filters resolve to, computed once per view.
struct Scope {
    /// Documents issued in the date range (None: no date filter).
    docs: Option<HashSet<String>>,
    /// The campaign filter with its sub-campaigns (None: no campaign filter).
    campaigns: Option<HashSet<String>>,
    /// The agency filter's subtree (None: no agency filter).
    subtree: Option<HashSet<String>>,
    province: Option<String>,
}

impl Scope {
    fn new(store: &KgStore, cat: &Catalogue, f: &Filter) -> Result<Self, GraphError> {
        let docs = if f.from.is_some() || f.to.is_some() {
            let lo = f.from.as_deref().map(|d| date_bound("--from", d, false)).transpose()?;
            let hi = f.to.as_deref().map(|d| date_bound("--to", d, true)).transpose()?;
            let mut set = HashSet::new();
            for (doc, issued) in pairs(store, "SELECT ?d ?i WHERE { ?d a pk:Document ; dcterms:issued ?i }")? {
                if lo.as_ref().map_or(true, |lo| issued >= *lo) && hi.as_ref().map_or(true, |hi| issued <= *hi) {
                    set.insert(doc);
                }
            }
            Some(set)
        } else {
            None
        };
        let campaigns = match &f.campaign {
            Some(label) => {
                let roots = resolve(store, label, cat, &[NodeKind::Campaign])?;
                if roots.is_empty() {
                    return Err(GraphError::UnknownCampaign(label.clone()));
                }
                Some(Catalogue::subtree(&cat.campaign_parent, &roots))
            }
            None => None,
        };
        let subtree = match &f.agency {
            Some(label) => {
                let roots = resolve(store, label, cat, &[NodeKind::Agency, NodeKind::Unit])?;
                if roots.is_empty() {
                    return Err(GraphError::UnknownAgency(label.clone()));
                }
                Some(Catalogue::subtree(&cat.org_parent, &roots))
            }
            None => None,
        };
        let province = f.province.as_ref().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        Ok(Scope { docs, campaigns, subtree, province })
    }

    fn doc_ok(&self, doc: &str) -> bool {
        self.docs.as_ref().map_or(true, |d| d.contains(doc))
    }

    fn campaign_ok(&self, c: &str) -> bool {
        self.campaigns.as_ref().map_or(true, |s| s.contains(c))
    }

    /// The organisation passes the agency-subtree and province filters.
    fn org_ok(&self, cat: &Catalogue, o: &str) -> bool {
        if self.subtree.as_ref().is_some_and(|s| !s.contains(o)) {
            return false;
        }
        match &self.province {
            None => true,
            Some(p) => cat.province(o).is_some_and(|name| name.starts_with(p.as_str()) || p.starts_with(&name)),
        }
    }

    fn filters_orgs(&self) -> bool {
        self.subtree.is_some() || self.province.is_some()
    }
}

/// `(entity, document)` for every `pk:mentionedIn`.
fn mentions(store: &KgStore) -> Result<Vec<(String, String)>, GraphError> {
    pairs(store, "SELECT DISTINCT ?s ?d WHERE { ?s pk:mentionedIn ?d }")
}

/// `(campaign, role, organisation, document)` for every stated organizer and participant.
fn roles(store: &KgStore) -> Result<Vec<(String, EdgeKind, String, String)>, GraphError> {
    let q = "SELECT DISTINCT ?c ?r ?o ?g WHERE { VALUES ?r { pk:organizedBy pk:participant } GRAPH ?g { ?c ?r ?o } }";
    Ok(select(store, q)?
        .into_iter()
        .filter_map(|r| {
            let [c, role, o, g]: [Option<String>; 4] = r.try_into().ok()?;
            let kind = if local_name(role.as_deref()?) == "organizedBy" {
                EdgeKind::OrganizedBy
            } else {
                EdgeKind::Participant
            };
            Some((c?, kind, o?, g?))
        })
        .collect())
}

/// One outcome attributed to an organisation under a campaign.
struct OutcomeRow {
    org: String,
    campaign: String,
    metric: String,
    value: f64,
    doc: String,
}

/// `subject → object` for one predicate (the first object where several are stated).
fn property(store: &KgStore, predicate: &str) -> Result<HashMap<String, String>, GraphError> {
    let mut map = HashMap::new();
    for (s, o) in pairs(store, &format!("SELECT ?s ?o WHERE {{ ?s {predicate} ?o }}"))? {
        map.entry(s).or_insert(o);
    }
    Ok(map)
}

/// `fact → document` (`prov:wasDerivedFrom`) when a date filter needs it.
fn documents_of(store: &KgStore, scope: &Scope) -> Result<Option<HashMap<String, String>>, GraphError> {
    if scope.docs.is_none() {
        return Ok(None);
    }
    property(store, "prov:wasDerivedFrom").map(Some)
}

// Outcomes and operations are read one property at a time and joined here: a five-pattern join is
// several times slower in Oxigraph on a large store than five scans.
// The documents are read only when a date filter needs them (`doc` is empty otherwise).
fn outcomes(store: &KgStore, scope: &Scope) -> Result<Vec<OutcomeRow>, GraphError> {
    let campaign = property(store, "pk:campaign")?;
    let attributed = property(store, "pk:attributedTo")?;
    let metric = property(store, "pk:metric")?;
    let value = property(store, "pk:value")?;
    let derived = documents_of(store, scope)?;
    let mut rows: Vec<OutcomeRow> = campaign
        .iter()
        .filter_map(|(o, c)| {
            let m = metric.get(o)?;
            Some(OutcomeRow {
                org: attributed.get(o)?.clone(),
                campaign: c.clone(),
                metric: local_name(m).strip_prefix("metric_").unwrap_or(local_name(m)).to_owned(),
                value: value.get(o)?.parse().unwrap_or(0.0),
                doc: match &derived {
                    Some(d) => d.get(o)?.clone(),
                    None => String::new(),
                },
            })
        })
        .collect();
    rows.sort_by(|a, b| (&a.doc, &a.org, &a.campaign, &a.metric).cmp(&(&b.doc, &b.org, &b.campaign, &b.metric)));
    Ok(rows)
}

/// `(organisation, campaign, document)` for every operation conducted under a campaign.
fn operations(store: &KgStore, scope: &Scope) -> Result<Vec<(String, String, String)>, GraphError> {
    let derived = documents_of(store, scope)?;
    let part_of = property(store, "pk:partOf")?;
    let mut rows = Vec::new();
    for (op, org) in pairs(store, "SELECT ?op ?a WHERE { ?op pk:conductedBy ?a }")? {
        let doc = match &derived {
            Some(d) => d.get(&op).cloned(),
            None => Some(String::new()),
        };
        if let (Some(c), Some(d)) = (part_of.get(&op), doc) {
            rows.push((org, c.clone(), d));
        }
    }
    rows.sort();
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------------
// Building the views

/// Collects nodes and edges by IRI, then emits a petgraph graph in a stable order.
#[derive(Default)]
struct Builder {
    nodes: BTreeSet<String>,
    edges: BTreeMap<(String, String, EdgeKind), Edge>,
}

impl Builder {
    fn edge(&mut self, a: &str, b: &str, kind: EdgeKind) -> &mut Edge {
        self.nodes.insert(a.to_owned());
        self.nodes.insert(b.to_owned());
        self.edges.entry((a.to_owned(), b.to_owned(), kind)).or_insert(Edge {
            kind,
            weight: 1.0,
            count: 0,
            detail: String::new(),
        })
    }

    fn finish(self, cat: &Catalogue, view: View, title: String) -> Network {
        let mut nodes: Vec<Node> = self.nodes.iter().map(|iri| cat.node(iri)).collect();
        nodes.sort_by(|a, b| (a.kind, &a.label, &a.iri).cmp(&(b.kind, &b.label, &b.iri)));
        let mut graph = DiGraph::with_capacity(nodes.len(), self.edges.len());
        let mut index: HashMap<String, NodeIndex> = HashMap::new();
        for n in nodes {
            let iri = n.iri.clone();
            index.insert(iri, graph.add_node(n));
        }
        let mut edges: Vec<_> = self.edges.into_iter().collect();
        edges.sort_by(|((a1, b1, k1), _), ((a2, b2, k2), _)| {
            (index[a1], index[b1], k1).cmp(&(index[a2], index[b2], k2))
        });
        for ((a, b, _), e) in edges {
            graph.add_edge(index[&a], index[&b], e);
        }
        Network { view, graph, title }
    }
}

/// Builds one view of the store, filtered.
pub fn build(store: &KgStore, view: View, filter: &Filter) -> Result<Network, GraphError> {
    let cat = Catalogue::load(store)?;
    let scope = Scope::new(store, &cat, filter)?;
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
    for (name, v) in
        [("campaign", &f.campaign), ("agency", &f.agency), ("province", &f.province), ("from", &f.from), ("to", &f.to)]
    {
        if let Some(v) = v {
            let _ = write!(t, "; {name} {v}");
        }
    }
    if f.min_weight > 0.0 && view.is_weighted() {
        let _ = write!(t, "; weight ≥ {}", f.min_weight);
    }
    t
}

/// The organisations that acted under a campaign of the filter (stated role, outcome or operation).
fn involved_orgs(store: &KgStore, scope: &Scope) -> Result<Option<HashSet<String>>, GraphError> {
    if scope.campaigns.is_none() {
        return Ok(None);
    }
    let mut set = HashSet::new();
    for (c, _, o, g) in roles(store)? {
        if scope.campaign_ok(&c) && scope.doc_ok(&g) {
            set.insert(o);
        }
    }
    for r in outcomes(store, scope)? {
        if scope.campaign_ok(&r.campaign) && scope.doc_ok(&r.doc) {
            set.insert(r.org);
        }
    }
    for (o, c, d) in operations(store, scope)? {
        if scope.campaign_ok(&c) && scope.doc_ok(&d) {
            set.insert(o);
        }
    }
    Ok(Some(set))
}

/// The entities mentioned in a document of the date range (None: no date filter).
fn mentioned_in_range(store: &KgStore, scope: &Scope) -> Result<Option<HashSet<String>>, GraphError> {
    if scope.docs.is_none() {
        return Ok(None);
    }
    Ok(Some(mentions(store)?.into_iter().filter(|(_, d)| scope.doc_ok(d)).map(|(s, _)| s).collect()))
}

fn hierarchy(store: &KgStore, cat: &Catalogue, scope: &Scope, b: &mut Builder) -> Result<(), GraphError> {
    let involved = involved_orgs(store, scope)?;
    let in_range = mentioned_in_range(store, scope)?;
    let mut kept: BTreeSet<String> = cat
        .kinds
        .keys()
        .filter(|o| cat.is_org(o))
        .filter(|o| scope.org_ok(cat, o))
        .filter(|o| involved.as_ref().map_or(true, |s| s.contains(*o)))
        .filter(|o| in_range.as_ref().map_or(true, |s| s.contains(*o)))
        .cloned()
        .collect();
    // Parents stay, so every kept organisation hangs in its tree (within the agency and province filters).
    for o in kept.clone() {
        for a in cat.ancestors(&o) {
            if cat.is_org(&a) && scope.org_ok(cat, &a) {
                kept.insert(a);
            } else {
                break;
            }
        }
    }
    for o in &kept {
        b.nodes.insert(o.clone());
        if let Some(p) = cat.org_parent.get(o) {
            if kept.contains(p) {
                b.edge(o, p, EdgeKind::SubOrganizationOf).count = 1;
            }
        }
    }
    Ok(())
}

fn campaigns(store: &KgStore, cat: &Catalogue, scope: &Scope, b: &mut Builder) -> Result<(), GraphError> {
    let in_range = mentioned_in_range(store, scope)?;
    let kept: BTreeSet<String> = cat
        .kinds
        .iter()
        .filter(|(c, k)| **k == NodeKind::Campaign && scope.campaign_ok(c))
        .filter(|(c, _)| in_range.as_ref().map_or(true, |s| s.contains(*c)))
        .map(|(c, _)| c.clone())
        .collect();
    let mut linked: HashSet<String> = HashSet::new();
    for (c, kind, o, g) in roles(store)? {
        if kept.contains(&c) && cat.is_org(&o) && scope.org_ok(cat, &o) && scope.doc_ok(&g) {
            b.edge(&c, &o, kind).count += 1;
            linked.insert(c);
        }
    }
    let shown: BTreeSet<&String> = kept.iter().filter(|c| !scope.filters_orgs() || linked.contains(*c)).collect();
    for c in &shown {
        b.nodes.insert((*c).clone());
        if let Some(p) = cat.campaign_parent.get(*c) {
            if shown.contains(p) {
                b.edge(c, p, EdgeKind::PartOf).count = 1;
            }
        }
    }
    Ok(())
}

#[derive(Default)]
struct Participation {
    roles: BTreeSet<&'static str>,
    operations: u64,
    facts: u64,
    totals: BTreeMap<String, f64>,
}

fn participation(
    store: &KgStore,
    cat: &Catalogue,
    scope: &Scope,
    f: &Filter,
    b: &mut Builder,
) -> Result<(), GraphError> {
    let mut acc: BTreeMap<(String, String), Participation> = BTreeMap::new();
    let ok = |o: &str, c: &str, d: &str| {
        cat.is_org(o)
            && cat.kind(c) == Some(NodeKind::Campaign)
            && scope.org_ok(cat, o)
            && scope.campaign_ok(c)
            && scope.doc_ok(d)
    };
    for (c, kind, o, g) in roles(store)? {
        if ok(&o, &c, &g) {
            let role = if kind == EdgeKind::OrganizedBy { "organizer" } else { "participant" };
            acc.entry((o, c)).or_default().roles.insert(role);
        }
    }
    for (o, c, d) in operations(store, scope)? {
        if ok(&o, &c, &d) {
            acc.entry((o, c)).or_default().operations += 1;
        }
    }
    for r in outcomes(store, scope)? {
        if ok(&r.org, &r.campaign, &r.doc) {
            let p = acc.entry((r.org, r.campaign)).or_default();
            p.facts += 1;
            *p.totals.entry(r.metric).or_default() += r.value;
        }
    }
    for ((o, c), p) in acc {
        let weight = match &f.metric {
            Some(m) => p.totals.get(m).copied().unwrap_or(0.0),
            None => p.facts as f64,
        };
        let mut detail: Vec<String> = p.roles.iter().map(|r| (*r).to_owned()).collect();
        if p.operations > 0 {
            detail.push(format!("operations {}", p.operations));
        }
        detail.extend(p.totals.iter().map(|(m, v)| format!("{m} {}", number(*v))));
        let e = b.edge(&o, &c, EdgeKind::Participation);
        e.weight = weight;
        e.count = p.facts;
        e.detail = detail.join("; ");
    }
    Ok(())
}

fn comention(store: &KgStore, cat: &Catalogue, scope: &Scope, b: &mut Builder) -> Result<(), GraphError> {
    let mut by_doc: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut campaign_docs: HashSet<String> = HashSet::new();
    for (s, d) in mentions(store)? {
        if !scope.doc_ok(&d) {
            continue;
        }
        match cat.kind(&s) {
            Some(NodeKind::Agency) if scope.org_ok(cat, &s) => {
                by_doc.entry(d).or_default().insert(s);
            }
            Some(NodeKind::Campaign) if scope.campaign_ok(&s) => {
                campaign_docs.insert(d);
            }
            _ => {}
        }
    }
    let mut counts: HashMap<(&str, &str), u64> = HashMap::new();
    for (d, agencies) in &by_doc {
        if scope.campaigns.is_some() && !campaign_docs.contains(d) {
            continue;
        }
        let list: Vec<&String> = agencies.iter().collect();
        for (i, a) in list.iter().enumerate() {
            for c in &list[i + 1..] {
                *counts.entry((a.as_str(), c.as_str())).or_default() += 1;
            }
        }
    }
    for ((a, c), n) in counts {
        let e = b.edge(a, c, EdgeKind::CoMention);
        e.weight = n as f64;
        e.count = n;
    }
    Ok(())
}

/// A number without a needless fraction: 356, 12000000, 31.4.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

// ---------------------------------------------------------------------------------------------------
// Writers

/// How the DOT output groups nodes into boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cluster {
    /// One box per province (organisations); campaigns stay outside.
    #[default]
    Province,
    /// One box per agency with its units.
    Agency,
    /// No boxes.
    None,
}

/// Fill colours by class and agency level; borders darker.
fn node_style(n: &Node) -> (&'static str, &'static str, &'static str) {
    match (n.kind, n.level.as_deref()) {
        (NodeKind::Campaign, _) => ("hexagon", "#fdd49e", "#d7301f"),
        (NodeKind::Unit, _) => ("ellipse", "#e5f5e0", "#41ab5d"),
        (NodeKind::Agency, Some("National")) => ("box", "#08306b", "#08306b"),
        (NodeKind::Agency, Some("Provincial")) => ("box", "#4292c6", "#2171b5"),
        (NodeKind::Agency, Some("Prefectural")) => ("box", "#9ecae1", "#2171b5"),
        (NodeKind::Agency, _) => ("box", "#deebf7", "#4292c6"),
    }
}

/// Colours for co-mention nodes by province (neato draws no clusters).
const PROVINCE_PALETTE: [&str; 12] = [
    "#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99", "#8dd3c7", "#bebada", "#fb8072", "#80b1d3",
    "#fccde5", "#d9d9d9",
];

fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes the network as Graphviz DOT: shapes and colours by class, clusters, a CJK font.
pub fn write_dot(net: &Network, cluster: Cluster, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let directed = net.view.is_directed();
    let (kw, arrow) = if directed { ("digraph", "->") } else { ("graph", "--") };
    let font = dot_string(CJK_FONT);
    let mut s = String::new();
    let _ = writeln!(s, "{kw} {} {{", dot_string(&format!("policekg {}", net.view.name())));
    let layout = match net.view {
        View::CoMention => "layout=neato, overlap=false, sep=\"+6\", splines=true, outputorder=edgesfirst",
        View::Hierarchy => "layout=dot, rankdir=LR, ranksep=0.5, nodesep=0.08, newrank=true, splines=true",
        _ => "layout=dot, rankdir=LR, ranksep=1.2, nodesep=0.1, newrank=true, splines=true",
    };
    let _ = writeln!(
        s,
        "  graph [{layout}, fontname={font}, fontsize=14, label={}, labelloc=t, labeljust=l, bgcolor=white, pad=0.3];",
        dot_string(&format!("{} — {} nodes, {} edges", net.title, g.node_count(), g.edge_count()))
    );
    let _ = writeln!(
        s,
        "  node [fontname={font}, fontsize=10, style=filled, penwidth=0.8, height=0.3, margin=\"0.08,0.03\"];"
    );
    let _ = writeln!(s, "  edge [fontname={font}, fontsize=8, color=\"#7f7f7f\", arrowsize=0.5, penwidth=0.8];");

    let mut provinces: Vec<&str> = g.node_weights().filter_map(|n| n.province.as_deref()).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let max_weight = g.edge_weights().map(|e| e.weight).fold(0.0_f64, f64::max);

    let node_line = |s: &mut String, i: NodeIndex, indent: &str| {
        let n = &g[i];
        let (shape, fill, border) = node_style(n);
        let fill = if net.view == View::CoMention {
            n.province
                .as_deref()
                .and_then(|p| provinces.iter().position(|q| *q == p))
                .map(|k| PROVINCE_PALETTE[k % PROVINCE_PALETTE.len()])
                .unwrap_or("#f0f0f0")
        } else {
            fill
        };
        let font_colour =
            if matches!(n.level.as_deref(), Some("National" | "Provincial")) && net.view != View::CoMention {
                "white"
            } else {
                "black"
            };
        let style = if n.kind == NodeKind::Agency { "\"filled,rounded\"" } else { "filled" };
        let _ = writeln!(
            s,
            "{indent}n{} [label={}, shape={shape}, style={style}, fillcolor=\"{fill}\", color=\"{border}\", fontcolor={font_colour}, tooltip={}];",
            i.index(),
            dot_string(&n.label),
            dot_string(&n.iri)
        );
    };

    // Clusters: province or agency boxes (dot draws them; neato ignores them, so co-mention uses colours).
    let key = |n: &Node| -> Option<String> {
        match cluster {
            Cluster::Province => n.province.clone(),
            Cluster::Agency => n.agency.clone(),
            Cluster::None => None,
        }
    };
    let mut groups: BTreeMap<String, Vec<NodeIndex>> = BTreeMap::new();
    let mut loose = Vec::new();
    for i in g.node_indices() {
        match (net.view != View::CoMention).then(|| key(&g[i])).flatten() {
            Some(k) => groups.entry(k).or_default().push(i),
            None => loose.push(i),
        }
    }
    for (k, (name, members)) in groups.iter().enumerate() {
        if members.len() < 2 {
            loose.extend(members);
            continue;
        }
        let _ = writeln!(s, "  subgraph cluster_{k} {{");
        let _ = writeln!(
            s,
            "    graph [label={}, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", color=\"#bdbdbd\", fontsize=12];",
            dot_string(name)
        );
        for i in members {
            node_line(&mut s, *i, "    ");
        }
        let _ = writeln!(s, "  }}");
    }
    loose.sort();
    for i in loose {
        node_line(&mut s, i, "  ");
    }

    for e in g.edge_references() {
        let w = e.weight();
        let (a, b) = (e.source().index(), e.target().index());
        let attrs = match w.kind {
            // Drawn parent → child with the arrow back at the parent, so the tree reads left to right.
            EdgeKind::SubOrganizationOf => {
                let _ = writeln!(s, "  n{b} {arrow} n{a} [dir=back, arrowtail=normal, tooltip=\"subOrganizationOf\"];");
                continue;
            }
            EdgeKind::PartOf => {
                let _ = writeln!(s, "  n{b} {arrow} n{a} [dir=back, arrowtail=normal, color=\"#d7301f\", style=bold, tooltip=\"partOf\"];");
                continue;
            }
            EdgeKind::OrganizedBy => "color=\"#d7301f\", style=solid, tooltip=\"organizedBy\"".to_owned(),
            EdgeKind::Participant => "color=\"#fd8d3c\", style=dashed, tooltip=\"participant\"".to_owned(),
            EdgeKind::Participation | EdgeKind::CoMention => {
                let width =
                    if max_weight > 0.0 { 0.6 + 4.0 * (1.0 + w.weight).ln() / (1.0 + max_weight).ln() } else { 0.6 };
                let label =
                    if w.weight > 0.0 { format!(", label={}", dot_string(&number(w.weight))) } else { String::new() };
                let tip = if w.detail.is_empty() { number(w.weight) } else { w.detail.clone() };
                let style = if w.weight > 0.0 { "solid" } else { "dashed" };
                format!("penwidth={width:.2}, style={style}{label}, tooltip={}", dot_string(&tip))
            }
        };
        let _ = writeln!(s, "  n{a} {arrow} n{b} [{attrs}];");
    }
    s.push_str("}\n");
    out.write_all(s.as_bytes())
}

/// Escapes text for XML and HTML (drops the control characters XML 1.0 cannot hold).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes the network as GraphML (Gephi, Cytoscape, networkx): node ids are the IRIs.
pub fn write_graphml(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n");
    for (id, for_, ty) in [
        ("label", "node", "string"),
        ("kind", "node", "string"),
        ("level", "node", "string"),
        ("province", "node", "string"),
        ("agency", "node", "string"),
        ("kind", "edge", "string"),
        ("weight", "edge", "double"),
        ("count", "edge", "long"),
        ("detail", "edge", "string"),
    ] {
        let _ = writeln!(s, "  <key id=\"{for_}_{id}\" for=\"{for_}\" attr.name=\"{id}\" attr.type=\"{ty}\"/>");
    }
    let _ = writeln!(
        s,
        "  <graph id=\"{}\" edgedefault=\"{}\">",
        net.view.name(),
        if net.view.is_directed() { "directed" } else { "undirected" }
    );
    let _ = writeln!(s, "    <desc>{}</desc>", xml_escape(&net.title));
    for n in g.node_weights() {
        let _ = writeln!(s, "    <node id=\"{}\">", xml_escape(&n.iri));
        let _ = writeln!(s, "      <data key=\"node_label\">{}</data>", xml_escape(&n.label));
        let _ = writeln!(s, "      <data key=\"node_kind\">{}</data>", n.kind.name());
        for (key, v) in [("level", &n.level), ("province", &n.province), ("agency", &n.agency)] {
            if let Some(v) = v {
                let _ = writeln!(s, "      <data key=\"node_{key}\">{}</data>", xml_escape(v));
            }
        }
        s.push_str("    </node>\n");
    }
    for e in g.edge_references() {
        let w = e.weight();
        let _ = writeln!(
            s,
            "    <edge source=\"{}\" target=\"{}\">",
            xml_escape(&g[e.source()].iri),
            xml_escape(&g[e.target()].iri)
        );
        let _ = writeln!(s, "      <data key=\"edge_kind\">{}</data>", w.kind.name());
        let _ = writeln!(s, "      <data key=\"edge_weight\">{}</data>", number(w.weight));
        let _ = writeln!(s, "      <data key=\"edge_count\">{}</data>", w.count);
        if !w.detail.is_empty() {
            let _ = writeln!(s, "      <data key=\"edge_detail\">{}</data>", xml_escape(&w.detail));
        }
        s.push_str("    </edge>\n");
    }
    s.push_str("  </graph>\n</graphml>\n");
    out.write_all(s.as_bytes())
}

/// Writes the network as JSON node-link (d3's `nodes`/`links`; `networkx.node_link_graph` reads it).
pub fn write_json(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let nodes: Vec<serde_json::Value> = g
        .node_weights()
        .map(|n| {
            serde_json::json!({
                "id": n.iri, "label": n.label, "kind": n.kind.name(), "level": n.level,
                "province": n.province, "agency": n.agency,
            })
        })
        .collect();
    let links: Vec<serde_json::Value> = g
        .edge_references()
        .map(|e| {
            let w = e.weight();
            serde_json::json!({
                "source": g[e.source()].iri, "target": g[e.target()].iri, "kind": w.kind.name(),
                "weight": w.weight, "count": w.count, "detail": w.detail,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "directed": net.view.is_directed(),
        "multigraph": false,
        "graph": { "view": net.view.name(), "title": net.title },
        "nodes": nodes,
        "links": links,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// An image format `dot` renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    Svg,
    Png,
}

/// Whether Graphviz `dot` can be run.
pub fn dot_available() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// Renders DOT text with the real Graphviz `dot` into `output` (or returns the image bytes if `None`).
pub fn render(dot: &str, format: RenderFormat, output: Option<&Path>) -> Result<Vec<u8>, GraphError> {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new("dot");
    cmd.arg(match format {
        RenderFormat::Svg => "-Tsvg",
        RenderFormat::Png => "-Tpng",
    });
    if let Some(p) = output {
        cmd.arg("-o").arg(p);
    }
    let mut child = match cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(GraphError::DotMissing),
        Err(e) => return Err(GraphError::DotFailed(e.to_string())),
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let text = dot.to_owned();
    // Writing on a thread: `dot` may fill its stdout pipe before it has read all its input.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().map_err(|e| GraphError::DotFailed(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(GraphError::DotFailed(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_accept_years_months_days() {
        assert_eq!(date_bound("--from", "2023", false).unwrap(), "2023");
        assert_eq!(date_bound("--to", "2023-04", true).unwrap(), "2023-04~");
        assert!("2023-04-30" <= date_bound("--to", "2023-04", true).unwrap().as_str());
        assert!("2023-05-01" > date_bound("--to", "2023-04", true).unwrap().as_str());
        assert!(date_bound("--from", "2023/04/01", false).is_err());
        assert!(date_bound("--from", "昨天", false).is_err());
    }

    #[test]
    fn province_names_drop_the_organ() {
        assert_eq!(province_name("浙江省公安厅"), "浙江省");
        assert_eq!(province_name("北京市公安局"), "北京市");
        assert_eq!(province_name("新疆生产建设兵团"), "新疆生产建设兵团");
    }

    #[test]
    fn escapes() {
        assert_eq!(dot_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(xml_escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
        assert_eq!(literal("x\"y"), "\"x\\\"y\"");
        assert_eq!(number(356.0), "356");
        assert_eq!(number(31.4), "31.4");
    }
}
