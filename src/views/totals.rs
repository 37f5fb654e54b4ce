//! The rows of `totals-up-the-hierarchy` (queries/totals-up-the-hierarchy.rq), derived from the outcomes
//! view's cells: per agency, campaign, metric and unit, the total the agency reported itself (its own
//! cell) and the sum of the cells of every agency under it (`org:subOrganizationOf+`), each fact once.
//!
//! Computed whole at every refresh, from the cells in memory and one walk up the hierarchy per agency: a
//! new parent moves every cell under it, so a change of one cell is not all a write can change here.

use super::lookup::Lookup;
use super::{file, lines_of, outcomes, rows_of, set_all, Columns, Spec};
use crate::facts::Cell;
use crate::rollup::format_fixed;
use crate::store::{KgStore, StoreError};
use crate::vocab::{org, xsd};
use oxigraph::model::{Literal, NamedNode};
use rustc_hash::{FxHashMap, FxHashSet};

pub const SPEC: Spec = Spec {
    name: "totals-up-the-hierarchy",
    variables: &["agency", "campaign", "metric", "unit", "reported", "fromBelow"],
    order: &[0, 1, 2, 3],
    distinct: false,
};

/// What an agency's row says of one campaign, metric and unit, in millionths.
#[derive(Debug, Clone, Copy, Default)]
struct Climb {
    /// The agency's own cell.
    reported: i128,
    /// The cells of every agency under it.
    from_below: i128,
}

/// Every row, from the outcomes view's lines (keyed by [`Cell::key`]).
pub fn derive(
    kg: &KgStore,
    described: Option<&super::lookup::Descriptions>,
    outcomes: &file::KeyedLines,
) -> Result<file::KeyedLines, StoreError> {
    let cells: Vec<(Cell, NamedNode, i128)> = outcomes
        .iter()
        .filter_map(|(key, rows)| {
            let cell = Cell::from_key(key)?;
            let agency = cell.agency.clone()?;
            Some((cell, agency, outcomes::measures(rows)?.total))
        })
        .collect();
    let agencies: Vec<&NamedNode> = cells.iter().map(|(_, a, _)| a).collect::<FxHashSet<_>>().into_iter().collect();
    let above = rows_of(kg, described, &agencies, |lookup, a| ancestors(lookup, a))?;
    let above: FxHashMap<&NamedNode, Vec<NamedNode>> = agencies.into_iter().zip(above).collect();

    let mut climbs: FxHashMap<Cell, Climb> = FxHashMap::default();
    for (cell, agency, total) in &cells {
        climbs.entry(cell.clone()).or_default().reported += total;
        for ancestor in &above[agency] {
            let upper = Cell { agency: Some(ancestor.clone()), ..cell.clone() };
            climbs.entry(upper).or_default().from_below += total;
        }
    }
    let climbs: Vec<(Cell, Climb)> = climbs.into_iter().collect();
    let lines = lines_of(kg, described, &climbs, |lookup, (cell, climb)| rows(lookup, cell, climb))?;
    let mut out = file::KeyedLines::default();
    set_all(&mut out, &climbs, |(cell, _)| cell.key(), lines);
    Ok(out)
}

fn rows(lookup: &mut Lookup<'_>, cell: &Cell, climb: &Climb) -> Result<Vec<Columns>, StoreError> {
    let mut columns = outcomes::dimensions(lookup, cell, true)?;
    for sum in [climb.reported, climb.from_below] {
        columns.push(vec![Some(Literal::new_typed_literal(format_fixed(sum), xsd::DECIMAL).into())]);
    }
    Ok(vec![columns])
}

/// Every agency `agency` is under, at any depth (itself only through a cycle), as `org:subOrganizationOf+`.
fn ancestors(lookup: &mut Lookup<'_>, agency: &NamedNode) -> Result<Vec<NamedNode>, StoreError> {
    let mut seen = FxHashSet::default();
    let mut queue = lookup.nodes(agency, org::SUB_ORGANIZATION_OF)?;
    while let Some(parent) = queue.pop() {
        if !seen.contains(&parent) {
            queue.extend(lookup.nodes(&parent, org::SUB_ORGANIZATION_OF)?);
            seen.insert(parent);
        }
    }
    Ok(seen.into_iter().collect())
}
