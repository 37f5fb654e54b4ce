//! The rows of `outcomes-by-agency-campaign` for one rollup cell (queries/outcomes-by-agency-campaign.rq):
//! agency and campaign labels (each unbound when the cell has none), the metric's notation, unit and the
//! cell's measures.

use super::lookup::{bound, or_unbound, product, Lookup};
use super::{Row, Spec};
use crate::facts::Cell;
use crate::model::metric_iri;
use crate::rollup::{format_fixed, parse_fixed, Measures};
use crate::store::StoreError;
use crate::vocab::{skos, xsd};
use oxigraph::model::{Literal, NamedNode, Term};

pub const SPEC: Spec = Spec {
    name: "outcomes-by-agency-campaign",
    variables: &["agency", "campaign", "metric", "unit", "total", "facts", "documents"],
    order: &[0, 1, 2, 3],
    distinct: false,
};

pub fn rows(lookup: &mut Lookup<'_>, cell: &Cell, m: &Measures) -> Result<Vec<Row>, StoreError> {
    let labels = |lookup: &mut Lookup<'_>, n: &Option<NamedNode>| -> Result<Vec<_>, StoreError> {
        Ok(match n {
            Some(n) => or_unbound(lookup.labels(n)?),
            None => vec![None],
        })
    };
    let agency = labels(lookup, &cell.agency)?;
    let campaign = labels(lookup, &cell.campaign)?;
    let notation = bound(lookup.shared_objects(&metric_iri(&cell.metric), skos::NOTATION)?);
    let measures = [
        Literal::new_simple_literal(&cell.unit),
        Literal::new_typed_literal(format_fixed(m.total), xsd::DECIMAL),
        Literal::new_typed_literal(m.facts.to_string(), xsd::INTEGER),
        Literal::new_typed_literal(m.documents.to_string(), xsd::INTEGER),
    ];
    let mut columns = vec![agency, campaign, notation];
    columns.extend(measures.into_iter().map(|l| vec![Some(l.into())]));
    Ok(product(columns))
}

/// The measures a cell's rows state (each row states them alike), read back to be changed by a write.
pub fn measures(rows: &[Row]) -> Option<Measures> {
    let row = rows.first()?;
    let value = |column: usize| match row.get(column) {
        Some(Some(Term::Literal(l))) => Some(l.value()),
        _ => None,
    };
    Some(Measures {
        total: parse_fixed(value(4)?)?,
        facts: value(5)?.parse().ok()?,
        documents: value(6)?.parse().ok()?,
    })
}
