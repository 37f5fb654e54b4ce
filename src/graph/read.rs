//! Reading the store: the catalogue of agencies, units and campaigns, the filters resolved, and the fact
//! rows (roles, outcomes, operations, mentions) the views are built from.

use super::{Decimal, EdgeKind, Filter, GraphError, Node, NodeKind};
use crate::query;
use crate::store::KgStore;
use std::collections::{HashMap, HashSet};
// ---------------------------------------------------------------------------------------------------
// Reading the store

/// One SELECT query's rows, each cell as text (IRIs as their string, literals by value).
pub(super) fn select(store: &KgStore, sparql: &str) -> Result<Vec<Vec<Option<String>>>, GraphError> {
    Ok(query::select_text(store, sparql)?)
}

/// Pairs `(a, b)` of a two-variable query, rows with a missing cell skipped.
pub(super) fn pairs(store: &KgStore, sparql: &str) -> Result<Vec<(String, String)>, GraphError> {
    Ok(select(store, sparql)?
        .into_iter()
        .filter_map(|mut r| {
            let b = r.get_mut(1)?.take()?;
            let a = r.get_mut(0)?.take()?;
            Some((a, b))
        })
        .collect())
}

pub(super) fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// Agencies, units and campaigns of the store with their labels, levels and parents.
#[derive(Default)]
pub(super) struct Catalogue {
    pub(super) kinds: HashMap<String, NodeKind>,
    pub(super) labels: HashMap<String, String>,
    pub(super) levels: HashMap<String, String>,
    /// organisation → parent organisation (`org:subOrganizationOf`).
    pub(super) org_parent: HashMap<String, String>,
    /// campaign → parent campaign (`pk:partOf`).
    pub(super) campaign_parent: HashMap<String, String>,
}

impl Catalogue {
    pub(super) fn load(store: &KgStore) -> Result<Self, GraphError> {
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

    pub(super) fn kind(&self, iri: &str) -> Option<NodeKind> {
        self.kinds.get(iri).copied()
    }

    pub(super) fn is_org(&self, iri: &str) -> bool {
        matches!(self.kind(iri), Some(NodeKind::Agency | NodeKind::Unit))
    }

    pub(super) fn label(&self, iri: &str) -> String {
        self.labels.get(iri).cloned().unwrap_or_else(|| local_name(iri).to_owned())
    }

    /// The organisation's ancestors, nearest first (cycles cut).
    pub(super) fn ancestors(&self, iri: &str) -> Vec<String> {
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
    pub(super) fn province(&self, iri: &str) -> Option<String> {
        std::iter::once(iri.to_owned())
            .chain(self.ancestors(iri))
            .find(|a| self.levels.get(a).map(String::as_str) == Some("Provincial"))
            .map(|a| province_name(&self.label(&a)))
    }

    /// The agency an organisation belongs to: itself for an agency, the nearest agency above a unit.
    pub(super) fn agency_of(&self, iri: &str) -> Option<String> {
        std::iter::once(iri.to_owned())
            .chain(self.ancestors(iri))
            .find(|a| self.kind(a) == Some(NodeKind::Agency))
            .map(|a| self.label(&a))
    }

    pub(super) fn node(&self, iri: &str) -> Node {
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
pub(super) fn province_name(label: &str) -> String {
    label.strip_suffix("公安厅").or_else(|| label.strip_suffix("公安局")).unwrap_or(label).to_owned()
}

/// What the filters resolve to, computed once per view.
pub(super) struct Scope {
    /// Documents issued in the date range (None: no date filter).
    pub(super) docs: Option<HashSet<String>>,
    /// The campaign filter with its sub-campaigns (None: no campaign filter).
    pub(super) campaigns: Option<HashSet<String>>,
    /// The agency filter's subtree (None: no agency filter).
    pub(super) subtree: Option<HashSet<String>>,
    pub(super) province: Option<String>,
}

impl Scope {
    pub(super) fn new(store: &KgStore, f: &Filter) -> Result<Self, GraphError> {
        let resolved = f.selection.resolve(store)?;
        Ok(Scope {
            docs: resolved.documents.map(|d| d.into_iter().collect()),
            campaigns: resolved.campaigns,
            subtree: resolved.agencies,
            province: resolved.province.map(|p| p.name),
        })
    }

    pub(super) fn doc_ok(&self, doc: &str) -> bool {
        self.docs.as_ref().is_none_or(|d| d.contains(doc))
    }

    pub(super) fn campaign_ok(&self, c: &str) -> bool {
        self.campaigns.as_ref().is_none_or(|s| s.contains(c))
    }

    /// The organisation passes the agency-subtree and province filters.
    pub(super) fn org_ok(&self, cat: &Catalogue, o: &str) -> bool {
        if self.subtree.as_ref().is_some_and(|s| !s.contains(o)) {
            return false;
        }
        match &self.province {
            None => true,
            Some(p) => cat.province(o).is_some_and(|name| name.starts_with(p.as_str()) || p.starts_with(&name)),
        }
    }

    pub(super) fn filters_orgs(&self) -> bool {
        self.subtree.is_some() || self.province.is_some()
    }
}

/// `(entity, document)` for every `pk:mentionedIn`.
pub(super) fn mentions(store: &KgStore) -> Result<Vec<(String, String)>, GraphError> {
    pairs(store, "SELECT DISTINCT ?s ?d WHERE { ?s pk:mentionedIn ?d }")
}

/// `(campaign, role, organisation, document)` for every stated organizer and participant.
pub(super) fn roles(store: &KgStore) -> Result<Vec<(String, EdgeKind, String, String)>, GraphError> {
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
pub(super) struct OutcomeRow {
    pub(super) org: String,
    pub(super) campaign: String,
    pub(super) metric: String,
    pub(super) value: Decimal,
    pub(super) doc: String,
}

/// `subject → object` for one predicate (the first object where several are stated).
pub(super) fn property(store: &KgStore, predicate: &str) -> Result<HashMap<String, String>, GraphError> {
    let mut map = HashMap::new();
    for (s, o) in pairs(store, &format!("SELECT ?s ?o WHERE {{ ?s {predicate} ?o }}"))? {
        map.entry(s).or_insert(o);
    }
    Ok(map)
}

/// `fact → document` (`prov:wasDerivedFrom`) when a date filter needs it.
pub(super) fn documents_of(store: &KgStore, scope: &Scope) -> Result<Option<HashMap<String, String>>, GraphError> {
    if scope.docs.is_none() {
        return Ok(None);
    }
    property(store, "prov:wasDerivedFrom").map(Some)
}

// Outcomes and operations are read one property at a time and joined here: a five-pattern join is
// several times slower in Oxigraph on a large store than five scans.
// The documents are read only when a date filter needs them (`doc` is empty otherwise).
pub(super) fn outcomes(store: &KgStore, scope: &Scope) -> Result<Vec<OutcomeRow>, GraphError> {
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
                value: Decimal::parse(value.get(o)?).unwrap_or_default(),
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
pub(super) fn operations(store: &KgStore, scope: &Scope) -> Result<Vec<(String, String, String)>, GraphError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_names_drop_the_organ() {
        assert_eq!(province_name("浙江省公安厅"), "浙江省");
        assert_eq!(province_name("北京市公安局"), "北京市");
        assert_eq!(province_name("新疆生产建设兵团"), "新疆生产建设兵团");
    }
}
