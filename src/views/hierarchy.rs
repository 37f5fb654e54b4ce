//! The rows of `agency-hierarchy` for one organisation (queries/agency-hierarchy.rq): each label, with its
//! kind, an agency's level (the local name of its level) and each label of each parent.

use super::lookup::{bound, or_unbound, Lookup};
use super::{Columns, Spec};
use crate::store::StoreError;
use crate::vocab::{org, pk, rdf};
use oxigraph::model::{Literal, NamedNode, Term};

pub const SPEC: Spec =
    Spec { name: "agency-hierarchy", variables: &["label", "kind", "level", "parent"], order: &[3, 0], distinct: true };

pub fn rows(lookup: &mut Lookup<'_>, organisation: &NamedNode) -> Result<Vec<Columns>, StoreError> {
    let mut kinds: Vec<(Option<Term>, Option<Term>)> = Vec::new();
    if lookup.has(organisation, rdf::TYPE, pk::AGENCY)? {
        let levels = lookup.objects(organisation, pk::LEVEL)?.into_iter().map(|lv| {
            let iri = match &lv {
                Term::NamedNode(n) => n.as_str().to_owned(),
                Term::Literal(l) => l.value().to_owned(),
                Term::BlankNode(b) => b.as_str().to_owned(),
            };
            // STRAFTER(STR(?lv), "#"): the empty string when there is no '#'.
            Term::from(Literal::new_simple_literal(iri.split_once('#').map_or("", |(_, after)| after)))
        });
        let agency = Some(Term::from(Literal::new_simple_literal("agency")));
        kinds.extend(or_unbound(levels.collect()).into_iter().map(|level| (agency.clone(), level)));
    }
    if lookup.has(organisation, rdf::TYPE, pk::UNIT)? {
        kinds.push((Some(Literal::new_simple_literal("unit").into()), None));
    }
    let labels = bound(lookup.labels(organisation)?);
    let parents = or_unbound(lookup.labels_of(organisation, org::SUB_ORGANIZATION_OF)?);
    Ok(kinds.into_iter().map(|(kind, level)| vec![labels.clone(), vec![kind], vec![level], parents.clone()]).collect())
}

/// Every agency and unit, for a full refresh.
pub fn all_keys(lookup: &Lookup<'_>) -> Result<Vec<NamedNode>, StoreError> {
    let mut keys = lookup.subjects(rdf::TYPE, pk::AGENCY.into())?;
    keys.extend(lookup.subjects(rdf::TYPE, pk::UNIT.into())?);
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The organisations whose rows may change with `organisation`'s description: itself and its children
/// (their rows carry its labels as ?parent).
pub fn dependants(lookup: &Lookup<'_>, organisation: &NamedNode) -> Result<Vec<NamedNode>, StoreError> {
    let mut out = lookup.subjects(org::SUB_ORGANIZATION_OF, organisation.as_ref().into())?;
    out.push(organisation.clone());
    Ok(out)
}
