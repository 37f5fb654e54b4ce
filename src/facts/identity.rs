//! When two outcomes are one fact (docs/facts.md says it in prose; this is the rule).
//!
//! An outcome's fact is named by a hash of its identity key: agency (or unit), campaign, metric, unit,
//! value, crime type, direction, comparison, the period counted, and the outcome's occurrence among the
//! document's outcomes of the same key (a document that reports 12 cases twice reports two facts). Two
//! outcomes with the same key are one fact, whichever documents report them, with one exception: an
//! outcome whose period is not fully known (no start or no end) is one fact only with outcomes of its own
//! cluster of re-posts, since without a period the same figure of the same agency may count two different
//! things. Within a cluster, a re-post's period bounds that are its own publication date (今年以来 ends on
//! the day of writing) are read as the root's publication date: the re-post repeats the root's figure, as
//! of the root's day.

use crate::model::Iris;
use oxigraph::model::NamedNode;
use sha2::{Digest, Sha256};

/// What identifies one outcome of a document, before its cluster is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeIdentity {
    /// The outcome node in the document's graph.
    pub node: NamedNode,
    pub metric: String,
    pub unit: String,
    /// The value as a normalised decimal (no trailing zeros).
    pub value: String,
    pub agency: Option<NamedNode>,
    pub campaign: Option<NamedNode>,
    pub crime_type: Option<String>,
    pub direction: Option<&'static str>,
    pub comparison: Option<&'static str>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

/// The document a re-post repeats: the first version of its cluster in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub id: String,
    pub date: Option<String>,
}

/// One rollup cell: the dimensions `outcomes-by-agency-campaign` totals over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub agency: Option<NamedNode>,
    pub campaign: Option<NamedNode>,
    pub metric: String,
    pub unit: String,
}

impl Cell {
    /// The cell as a view key: agency, campaign, metric and unit, space separated (an IRI has no space; a
    /// missing agency or campaign is empty). [`Cell::from_key`] reads it back.
    pub fn key(&self) -> String {
        let (agency, campaign) = (self.agency.as_ref(), self.campaign.as_ref());
        let (agency, campaign) = (agency.map_or("", NamedNode::as_str), campaign.map_or("", NamedNode::as_str));
        format!("{agency} {campaign} {} {}", self.metric, self.unit)
    }

    pub fn from_key(key: &str) -> Option<Self> {
        let mut parts = key.splitn(4, ' ');
        let mut iri = || parts.next().map(|p| (!p.is_empty()).then(|| NamedNode::new_unchecked(p)));
        let (agency, campaign) = (iri()?, iri()?);
        Some(Cell { agency, campaign, metric: parts.next()?.to_owned(), unit: parts.next()?.to_owned() })
    }
}

/// An outcome's fact, and what it adds to its cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactLink {
    pub outcome: NamedNode,
    pub fact: NamedNode,
    /// `None` for percentages: rates are listed, never summed.
    pub cell: Option<Cell>,
    pub value: String,
}

/// The facts of a document's outcomes. `root` is the first version of the document's cluster of re-posts
/// (`None` when the document is its own root).
pub fn fact_links(
    iris: &Iris,
    doc_id: &str,
    doc_date: Option<&str>,
    root: Option<&Root>,
    outcomes: &[OutcomeIdentity],
) -> Vec<FactLink> {
    let scope = root.map_or(doc_id, |r| r.id.as_str());
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    outcomes
        .iter()
        .map(|o| {
            let shift = |bound: &Option<String>| -> String {
                match (bound.as_deref(), root.and_then(|r| r.date.as_deref())) {
                    (Some(b), Some(root_date)) if Some(b) == doc_date => root_date.to_owned(),
                    (b, _) => b.unwrap_or("").to_owned(),
                }
            };
            let (start, end) = (shift(&o.period_start), shift(&o.period_end));
            // Without a whole period, the same figure is one fact only within the cluster.
            let scope = if start.is_empty() || end.is_empty() { scope } else { "" };
            let key = [
                o.agency.as_ref().map_or("", |n| n.as_str()),
                o.campaign.as_ref().map_or("", |n| n.as_str()),
                &o.metric,
                &o.unit,
                &o.value,
                o.crime_type.as_deref().unwrap_or(""),
                o.direction.unwrap_or(""),
                o.comparison.unwrap_or(""),
                &start,
                &end,
                scope,
            ]
            .join("\u{1F}");
            let occurrence = seen.entry(key.clone()).or_insert(0);
            *occurrence += 1;
            let fact = digest(&[&key, &occurrence.to_string()]);
            FactLink {
                outcome: o.node.clone(),
                fact: NamedNode::new_unchecked(format!("{}fact/{}", iris.base(), &fact[..32])),
                cell: (o.unit != "percent").then(|| Cell {
                    agency: o.agency.clone(),
                    campaign: o.campaign.clone(),
                    metric: o.metric.clone(),
                    unit: o.unit.clone(),
                }),
                value: o.value.clone(),
            }
        })
        .collect()
}

/// SHA-256 of the parts (length-prefixed), in hex.
fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    crate::model::hex(&h.finalize())
}

/// A decimal's canonical form: no sign of `+`, no leading zeros, no trailing fractional zeros.
pub fn normalise_decimal(v: &str) -> String {
    let v = v.trim().trim_start_matches('+');
    let (neg, v) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if neg && !(int.is_empty() && frac.is_empty()) {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(n: usize, value: &str, period: Option<(&str, &str)>) -> OutcomeIdentity {
        let iris = Iris::default();
        OutcomeIdentity {
            node: NamedNode::new_unchecked(format!("http://e/o{n}")),
            metric: "cases_solved".into(),
            unit: "case".into(),
            value: value.into(),
            agency: Some(iris.agency("江城市公安局")),
            campaign: Some(iris.campaign("清风-2024")),
            crime_type: None,
            direction: None,
            comparison: None,
            period_start: period.map(|p| p.0.to_owned()),
            period_end: period.map(|p| p.1.to_owned()),
        }
    }

    fn facts(doc: &str, date: &str, root: Option<&Root>, outcomes: &[OutcomeIdentity]) -> Vec<String> {
        fact_links(&Iris::default(), doc, Some(date), root, outcomes).into_iter().map(|l| l.fact.to_string()).collect()
    }

    #[test]
    fn a_cell_key_reads_back_as_the_cell_with_or_without_agency_and_campaign() {
        let iris = Iris::default();
        let full = Cell {
            agency: Some(iris.agency("江城市公安局")),
            campaign: Some(iris.campaign("清风-2024")),
            metric: "cases_solved".into(),
            unit: "case".into(),
        };
        let bare = Cell { agency: None, campaign: None, ..full.clone() };
        for cell in [full, bare] {
            assert_eq!(Cell::from_key(&cell.key()), Some(cell.clone()));
        }
        assert_eq!(Cell::from_key("no separators"), None);
    }

    #[test]
    fn the_same_figure_for_the_same_period_is_one_fact_across_documents() {
        let jan = Some(("2024-01-01", "2024-01-31"));
        let a = facts("a", "2024-02-03", None, &[outcome(1, "12", jan)]);
        let b = facts("b", "2024-02-09", None, &[outcome(1, "12", jan)]);
        assert_eq!(a, b);
    }

    #[test]
    fn the_same_figure_for_two_periods_is_two_facts() {
        let jan = outcome(1, "12", Some(("2024-01-01", "2024-01-31")));
        let feb = outcome(2, "12", Some(("2024-02-01", "2024-02-29")));
        let f = facts("a", "2024-03-01", None, &[jan, feb]);
        assert_ne!(f[0], f[1]);
    }

    #[test]
    fn without_a_period_only_re_posts_share_a_fact() {
        let a = facts("a", "2024-02-03", None, &[outcome(1, "12", None)]);
        let b = facts("b", "2024-02-03", None, &[outcome(1, "12", None)]);
        assert_ne!(a, b, "two unrelated documents");
        let root = Root { id: "a".into(), date: Some("2024-02-03".into()) };
        assert_eq!(facts("a-rp", "2024-02-04", Some(&root), &[outcome(1, "12", None)]), a, "a re-post of a");
    }

    #[test]
    fn a_re_post_a_day_later_reads_to_date_periods_as_of_its_root() {
        let a = facts("a", "2024-05-20", None, &[outcome(1, "312", Some(("2024-01-01", "2024-05-20")))]);
        let root = Root { id: "a".into(), date: Some("2024-05-20".into()) };
        let b = facts("b", "2024-05-21", Some(&root), &[outcome(1, "312", Some(("2024-01-01", "2024-05-21")))]);
        assert_eq!(a, b);
    }

    #[test]
    fn a_figure_reported_twice_in_one_document_is_two_facts() {
        let f = facts("a", "2024-03-01", None, &[outcome(1, "5", None), outcome(2, "5", None)]);
        assert_ne!(f[0], f[1]);
    }

    #[test]
    fn decimals_are_normalised() {
        for (raw, want) in
            [("14800", "14800"), ("48.90", "48.9"), ("007", "7"), ("0.50", "0.5"), ("3.0", "3"), ("0", "0")]
        {
            assert_eq!(normalise_decimal(raw), want, "{raw}");
        }
    }
}
