//! Building the four views from what [`super::read`] read.

use super::read::{mentions, operations, outcomes, roles, Catalogue, Scope};
use super::{Decimal, Edge, EdgeKind, Filter, GraphError, Network, Node, NodeKind, View};
use crate::store::KgStore;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
// ---------------------------------------------------------------------------------------------------
// Building the views

/// Collects nodes and edges by IRI, then emits a petgraph graph in a stable order.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) nodes: BTreeSet<String>,
    pub(super) edges: BTreeMap<(String, String, EdgeKind), Edge>,
}

impl Builder {
    pub(super) fn edge(&mut self, a: &str, b: &str, kind: EdgeKind) -> &mut Edge {
        self.nodes.insert(a.to_owned());
        self.nodes.insert(b.to_owned());
        self.edges.entry((a.to_owned(), b.to_owned(), kind)).or_insert(Edge {
            kind,
            weight: 1.0,
            count: 0,
            detail: String::new(),
        })
    }

    pub(super) fn finish(self, cat: &Catalogue, view: View, title: String) -> Network {
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

/// The organisations that acted under a campaign of the filter (stated role, outcome or operation).
pub(super) fn involved_orgs(store: &KgStore, scope: &Scope) -> Result<Option<HashSet<String>>, GraphError> {
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
pub(super) fn mentioned_in_range(store: &KgStore, scope: &Scope) -> Result<Option<HashSet<String>>, GraphError> {
    if scope.docs.is_none() {
        return Ok(None);
    }
    Ok(Some(mentions(store)?.into_iter().filter(|(_, d)| scope.doc_ok(d)).map(|(s, _)| s).collect()))
}

pub(super) fn hierarchy(store: &KgStore, cat: &Catalogue, scope: &Scope, b: &mut Builder) -> Result<(), GraphError> {
    let involved = involved_orgs(store, scope)?;
    let in_range = mentioned_in_range(store, scope)?;
    let mut kept: BTreeSet<String> = cat
        .kinds
        .keys()
        .filter(|o| cat.is_org(o))
        .filter(|o| scope.org_ok(cat, o))
        .filter(|o| involved.as_ref().is_none_or(|s| s.contains(*o)))
        .filter(|o| in_range.as_ref().is_none_or(|s| s.contains(*o)))
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

pub(super) fn campaigns(store: &KgStore, cat: &Catalogue, scope: &Scope, b: &mut Builder) -> Result<(), GraphError> {
    let in_range = mentioned_in_range(store, scope)?;
    let kept: BTreeSet<String> = cat
        .kinds
        .iter()
        .filter(|(c, k)| **k == NodeKind::Campaign && scope.campaign_ok(c))
        .filter(|(c, _)| in_range.as_ref().is_none_or(|s| s.contains(*c)))
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
pub(super) struct Participation {
    roles: BTreeSet<&'static str>,
    operations: u64,
    facts: u64,
    totals: BTreeMap<String, Decimal>,
}

pub(super) fn participation(
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
            Some(m) => p.totals.get(m).map_or(0.0, |total| total.to_f64()),
            None => p.facts as f64,
        };
        let mut detail: Vec<String> = p.roles.iter().map(|r| (*r).to_owned()).collect();
        if p.operations > 0 {
            detail.push(format!("operations {}", p.operations));
        }
        detail.extend(p.totals.iter().map(|(m, v)| format!("{m} {v}")));
        let e = b.edge(&o, &c, EdgeKind::Participation);
        e.weight = weight;
        e.count = p.facts;
        e.detail = detail.join("; ");
    }
    Ok(())
}

pub(super) fn comention(store: &KgStore, cat: &Catalogue, scope: &Scope, b: &mut Builder) -> Result<(), GraphError> {
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
