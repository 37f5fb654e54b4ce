//! The rows of `year-over-year` for one fact (queries/year-over-year.rq): a fact whose outcomes are
//! rate changes gives the details of its first outcome (the least IRI, as MIN does) and the number of
//! outcomes reporting it.

use super::lookup::{bound, or_unbound, Lookup};
use super::{Columns, Spec};
use crate::store::StoreError;
use crate::vocab::{dcterms, pk, prov, xsd};
use oxigraph::model::{Literal, NamedNode};

pub const SPEC: Spec = Spec {
    name: "year-over-year",
    variables: &[
        "agency",
        "direction",
        "value",
        "comparison",
        "periodStart",
        "periodEnd",
        "documents",
        "document",
        "text",
    ],
    order: &[7, 0],
    distinct: false,
};

fn rate_change() -> NamedNode {
    crate::model::metric_iri(super::lookup::RATE_CHANGE)
}

pub fn rows(lookup: &mut Lookup<'_>, fact: &NamedNode) -> Result<Vec<Columns>, StoreError> {
    let metric = rate_change();
    let mut outcomes = Vec::new();
    for o in lookup.subjects(pk::FACT_PROP, fact.as_ref().into())? {
        if lookup.has(&o, pk::METRIC_PROP, metric.as_ref())? {
            outcomes.push(o);
        }
    }
    let Some(first) = outcomes.iter().min_by(|a, b| a.as_str().cmp(b.as_str())).cloned() else {
        return Ok(Vec::new());
    };
    let mut documents = Vec::new();
    for d in lookup.nodes(&first, prov::WAS_DERIVED_FROM)? {
        documents.extend(lookup.objects(&d, dcterms::IDENTIFIER)?);
    }
    let count = Literal::new_typed_literal(outcomes.len().to_string(), xsd::INTEGER);
    let mut texts = Vec::new();
    for e in lookup.nodes(&first, pk::EVIDENCE_PROP)? {
        texts.extend(lookup.objects(&e, pk::TEXT)?);
    }
    Ok(vec![vec![
        or_unbound(lookup.labels_of(&first, pk::ATTRIBUTED_TO)?),
        or_unbound(lookup.objects(&first, pk::DIRECTION)?),
        bound(lookup.objects(&first, pk::VALUE)?),
        or_unbound(lookup.objects(&first, pk::COMPARISON)?),
        or_unbound(lookup.objects(&first, pk::PERIOD_START)?),
        or_unbound(lookup.objects(&first, pk::PERIOD_END)?),
        vec![Some(count.into())],
        bound(documents),
        or_unbound(texts),
    ]])
}

/// Every fact reported as a rate change, for a full refresh.
pub fn all_keys(lookup: &Lookup<'_>) -> Result<Vec<NamedNode>, StoreError> {
    let mut facts = std::collections::HashSet::new();
    for o in lookup.subjects(pk::METRIC_PROP, rate_change().as_ref().into())? {
        facts.extend(lookup.nodes(&o, pk::FACT_PROP)?);
    }
    Ok(facts.into_iter().collect())
}
