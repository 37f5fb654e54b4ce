//! The rows of `outcomes-by-agency-campaign` for one rollup cell (queries/outcomes-by-agency-campaign.rq):
//! agency and campaign labels (each unbound when the cell has none), the metric's notation, unit and the
//! cell's measures.

use super::file::{decode_cell_at, Line};
use super::lookup::{bound, or_unbound, Lookup};
use super::{Columns, Spec};
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

pub fn rows(lookup: &mut Lookup<'_>, cell: &Cell, m: &Measures) -> Result<Vec<Columns>, StoreError> {
    let mut columns = dimensions(lookup, cell, false)?;
    let measures = [
        Literal::new_typed_literal(format_fixed(m.total), xsd::DECIMAL),
        Literal::new_typed_literal(m.facts.to_string(), xsd::INTEGER),
        Literal::new_typed_literal(m.documents.to_string(), xsd::INTEGER),
    ];
    columns.extend(measures.into_iter().map(|l| vec![Some(l.into())]));
    Ok(vec![columns])
}

/// The values of a cell's agency, campaign, metric and unit columns: the agency's and campaign's labels
/// (unbound when there are none, unless `agency_required`), the metric's notation, the unit.
pub fn dimensions(lookup: &mut Lookup<'_>, cell: &Cell, agency_required: bool) -> Result<Columns, StoreError> {
    let labels = |lookup: &mut Lookup<'_>, n: &Option<NamedNode>| -> Result<Vec<_>, StoreError> {
        Ok(match n {
            Some(n) => or_unbound(lookup.labels(n)?),
            None => vec![None],
        })
    };
    let agency = match (&cell.agency, agency_required) {
        (Some(a), true) => bound(lookup.labels(a)?),
        (None, true) => Vec::new(),
        (_, false) => labels(lookup, &cell.agency)?,
    };
    let campaign = labels(lookup, &cell.campaign)?;
    let notation = bound(lookup.shared_objects(&metric_iri(&cell.metric), skos::NOTATION)?);
    Ok(vec![agency, campaign, notation, vec![Some(Literal::new_simple_literal(&cell.unit).into())]])
}

/// The measures a cell's rows state (each row states them alike), read back to be changed by a write.
pub fn measures(lines: &[Line]) -> Option<Measures> {
    let line = lines.first()?;
    let value = |column: usize| match decode_cell_at(line, column) {
        Some(Term::Literal(l)) => Some(l.value().to_owned()),
        _ => None,
    };
    Some(Measures {
        total: parse_fixed(&value(4)?)?,
        facts: value(5)?.parse().ok()?,
        documents: value(6)?.parse().ok()?,
    })
}
