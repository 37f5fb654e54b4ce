//! Which part of the store a command works on: one [`Selection`] for `export` and `graph`, resolved once
//! against the store, so that `--document`, `--campaign`, `--agency`, `--province`, `--from` and `--to` mean
//! the same in both:
//!
//! - `--document ID`: documents by identifier (repeatable);
//! - `--campaign LABEL`: a campaign by label or alternative label, with its sub-campaigns;
//! - `--agency LABEL`: an agency or unit by label or alternative label, with everything under it;
//! - `--province NAME|CODE`: a province by name (浙江, 浙江省) or GB/T 2260 code (330000, or its first two
//!   digits);
//! - `--from`/`--to DATE`: documents issued in the range, inclusive, DATE being `YYYY`, `YYYY-MM` or
//!   `YYYY-MM-DD` (`--to 2023` is the whole of 2023).
//!
//! `export` keeps the documents that satisfy every condition (mentioning the campaign, the agency, a place of
//! the province); `graph` keeps the facts of the documents selected by identifier and date, and the nodes
//! of the campaign, agency and province.

use crate::query::{self, QueryError};
use crate::store::KgStore;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The selection flags, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Document identifiers (`dcterms:identifier`).
    pub documents: Vec<String>,
    /// A campaign label (or alternative label): the campaign and its sub-campaigns.
    pub campaign: Option<String>,
    /// An agency or unit label (or alternative label): it and everything under it.
    pub agency: Option<String>,
    /// A province by name (浙江省, 浙江) or GB/T 2260 code (330000).
    pub province: Option<String>,
    /// First issue date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// Last issue date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("no campaign labelled {0:?} in the store (`policekg query --store DIR campaigns` lists them)")]
    UnknownCampaign(String),
    #[error(
        "no agency or unit labelled {0:?} in the store (`policekg query --store DIR agency-hierarchy` lists them)"
    )]
    UnknownAgency(String),
    #[error("no province {0:?} in the store (give its name, e.g. 浙江省, or its GB/T 2260 code, e.g. 330000)")]
    UnknownProvince(String),
    #[error("{flag} {value:?} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")]
    InvalidDate { flag: &'static str, value: String },
}

/// A province: its two-digit GB/T 2260 prefix and its name, as far as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// `33` for 浙江省; None when the province was given by a name no place of the store carries.
    pub code_prefix: Option<String>,
    /// 浙江省 (or the name as given).
    pub name: String,
}

/// A selection resolved against a store: sets of IRIs (None: that condition was not given).
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Documents (their IRIs, which are also their graphs') passing the identifier and date conditions.
    pub documents: Option<BTreeSet<String>>,
    /// The campaign and its sub-campaigns.
    pub campaigns: Option<HashSet<String>>,
    /// The agency or unit and everything under it.
    pub agencies: Option<HashSet<String>>,
    pub province: Option<Province>,
}

impl Selection {
    pub fn is_everything(&self) -> bool {
        *self == Selection::default()
    }

    /// A one-line statement of the selection (recorded in an export's description as `pk:scope`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.documents.is_empty() {
            parts.push(format!("document={}", self.documents.join(",")));
        }
        for (name, value) in [
            ("campaign", &self.campaign),
            ("agency", &self.agency),
            ("from", &self.from),
            ("to", &self.to),
            ("province", &self.province),
        ] {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        }
        parts.join("; ")
    }

    /// Checks the dates (before the store is opened, so a typo is reported at once).
    pub fn check(&self) -> Result<(), SelectionError> {
        date_bound("--from", self.from.as_deref(), false)?;
        date_bound("--to", self.to.as_deref(), true)?;
        Ok(())
    }

    /// Resolves labels, names, codes and dates against the store.
    pub fn resolve(&self, store: &KgStore) -> Result<Resolved, SelectionError> {
        let mut resolved = Resolved::default();
        let from = date_bound("--from", self.from.as_deref(), false)?;
        let to = date_bound("--to", self.to.as_deref(), true)?;
        if !self.documents.is_empty() || from.is_some() || to.is_some() {
            let ids: HashSet<&str> = self.documents.iter().map(|d| d.trim()).collect();
            let rows = query::select_text(
                store,
                "SELECT ?d ?id ?issued WHERE { ?d a pk:Document ; dcterms:identifier ?id . \
                 OPTIONAL { ?d dcterms:issued ?issued } }",
            )?;
            let mut docs = BTreeSet::new();
            for row in rows {
                let [Some(doc), Some(id), issued]: [Option<String>; 3] = row.try_into().unwrap_or_default() else {
                    continue;
                };
                let issued = issued.unwrap_or_default();
                let in_range =
                    from.as_ref().is_none_or(|lo| issued >= *lo) && to.as_ref().is_none_or(|hi| issued <= *hi);
                let dated_ok = (from.is_none() && to.is_none()) || (!issued.is_empty() && in_range);
                if (ids.is_empty() || ids.contains(id.as_str())) && dated_ok {
                    docs.insert(doc);
                }
            }
            resolved.documents = Some(docs);
        }
        if let Some(label) = &self.campaign {
            let roots = labelled(store, label, "pk:Campaign", Some(&crate::model::campaign_key(label)))?;
            if roots.is_empty() {
                return Err(SelectionError::UnknownCampaign(label.clone()));
            }
            resolved.campaigns = Some(subtree(&pairs(store, "SELECT ?c ?p WHERE { ?c pk:partOf ?p }")?, roots));
        }
        if let Some(label) = &self.agency {
            let mut roots = labelled(store, label, "pk:Agency", None)?;
            roots.extend(labelled(store, label, "pk:Unit", None)?);
            if roots.is_empty() {
                return Err(SelectionError::UnknownAgency(label.clone()));
            }
            let parents = pairs(store, "SELECT ?c ?p WHERE { ?c org:subOrganizationOf ?p }")?;
            resolved.agencies = Some(subtree(&parents, roots));
        }
        if let Some(p) = &self.province {
            resolved.province = Some(province(store, p)?);
        }
        Ok(resolved)
    }
}

/// A date bound as a string that compares correctly with `dcterms:issued` lexical forms; an upper bound
/// `2023` or `2023-04` covers the whole year or month (`2023~` sorts after every `2023-...`).
pub fn date_bound(flag: &'static str, value: Option<&str>, upper: bool) -> Result<Option<String>, SelectionError> {
    let Some(value) = value else { return Ok(None) };
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
        return Err(SelectionError::InvalidDate { flag, value: value.to_owned() });
    }
    Ok(Some(if upper { format!("{v}~") } else { v.to_owned() }))
}

/// The entities of `class` labelled `label` (rdfs:label or skos:altLabel; or `key`, a canonical form).
fn labelled(store: &KgStore, label: &str, class: &str, key: Option<&str>) -> Result<HashSet<String>, QueryError> {
    let label = query::string_literal(label.trim());
    let key = key.map(query::string_literal).unwrap_or_else(|| label.clone());
    let sparql = format!(
        "SELECT DISTINCT ?s WHERE {{ VALUES ?l {{ {label} {key} }} {{ ?s rdfs:label ?l }} UNION {{ ?s skos:altLabel ?l }} \
         ?s a {class} }}"
    );
    Ok(query::select_text(store, &sparql)?.into_iter().filter_map(|mut r| r.first_mut()?.take()).collect())
}

/// `(child, parent)` pairs of a two-variable query.
fn pairs(store: &KgStore, sparql: &str) -> Result<Vec<(String, String)>, QueryError> {
    Ok(query::select_text(store, sparql)?
        .into_iter()
        .filter_map(|mut r| Some((r.first_mut()?.take()?, r.get_mut(1)?.take()?)))
        .collect())
}

/// The roots and everything below them.
fn subtree(parents: &[(String, String)], roots: HashSet<String>) -> HashSet<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (c, p) in parents {
        if c != p {
            children.entry(p.as_str()).or_default().push(c.as_str());
        }
    }
    let mut out = roots.clone();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(n) = stack.pop() {
        for c in children.get(n.as_str()).into_iter().flatten() {
            if out.insert((*c).to_owned()) {
                stack.push((*c).to_owned());
            }
        }
    }
    out
}

/// A province by GB/T 2260 code (330000, or 33) or by name (浙江, 浙江省, 广西壮族自治区).
fn province(store: &KgStore, given: &str) -> Result<Province, SelectionError> {
    let given = given.trim();
    let by_code = given.len() >= 2 && given.chars().all(|c| c.is_ascii_digit());
    let sparql =
        "SELECT ?code ?label WHERE { ?p pk:adcode ?code ; rdfs:label ?label . FILTER STRENDS(STR(?code), \"0000\") }";
    let mut provinces: Vec<(String, String)> = pairs(store, sparql)?;
    provinces.sort();
    let found = provinces.iter().find(|(code, label)| {
        if by_code {
            code.starts_with(&given[..2])
        } else {
            label.starts_with(given) || given.starts_with(label.as_str())
        }
    });
    match found {
        Some((code, label)) => Ok(Province { code_prefix: Some(code[..2].to_owned()), name: label.clone() }),
        None if by_code => Ok(Province { code_prefix: Some(given[..2].to_owned()), name: given.to_owned() }),
        None if given.is_empty() => Err(SelectionError::UnknownProvince(given.to_owned())),
        None => Ok(Province { code_prefix: None, name: given.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_accept_years_months_days() {
        let bound = |v: &str, upper: bool| date_bound("--to", Some(v), upper).unwrap().unwrap();
        assert_eq!(bound("2023", false), "2023");
        assert_eq!(bound("2023-04", true), "2023-04~");
        assert!("2023-04-30" <= bound("2023-04", true).as_str());
        assert!("2023-05-01" > bound("2023-04", true).as_str());
        assert!(date_bound("--from", Some("2023/04/01"), false).is_err());
        assert!(date_bound("--from", Some("昨天"), false).is_err());
        assert_eq!(date_bound("--from", None, false).unwrap(), None);
    }

    #[test]
    fn subtrees_follow_children_and_stop_at_cycles() {
        let parents: Vec<(String, String)> = [("b", "a"), ("c", "b"), ("a", "c"), ("x", "y")]
            .iter()
            .map(|(c, p)| (c.to_string(), p.to_string()))
            .collect();
        let got = subtree(&parents, HashSet::from(["b".to_owned()]));
        assert_eq!(got, HashSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()]));
    }
}
