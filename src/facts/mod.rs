//! Facts, not mentions: each document's outcomes are linked to the fact they report (`pk:fact`), re-posts
//! to the document they repeat (`pk:duplicateOf`), and the totals' changes handed to the views (see
//! docs/facts.md).
//!
//! The [`Linker`] runs in the build's writer stage, one document at a time in input order: it finds the
//! document's root among earlier documents ([`crate::dedup`]), names its outcomes' facts
//! ([`identity::fact_links`]), adds the links to the document's quads, and records in a
//! [`crate::rollup::Ledger`] how the facts and cells change, for the views. [`remove_documents`] does the same for
//! `policekg remove`, in one transaction with the removal.

pub mod identity;

pub use identity::{fact_links, normalise_decimal, Cell, FactLink, OutcomeIdentity, Root};

use crate::dedup::{self, BuildIndex, Version};
use crate::model::{DocumentGraph, Iris};
use crate::rollup::{self, Ledger};
use crate::store::{KgStore, StoreError};
use crate::views::{self, Touched};
use crate::vocab::{dcterms, pk};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{BTreeMap, HashSet};

/// Links the documents of one build (see the module documentation).
pub struct Linker<'a> {
    kg: &'a KgStore,
    iris: &'a Iris,
    index: BuildIndex,
    ledger: Ledger,
    /// The store held documents when the build started: look for re-posts and facts there too.
    had_documents: bool,
    /// A commit of this build made links visible in the store.
    committed: bool,
    /// The views are computed whole at the end, so the ledger is not kept: they did not describe the store
    /// before the build (one stopped half way, or another tool loaded it), or a document came twice.
    full: bool,
    /// Documents linked in this build.
    linked: HashSet<String>,
    /// The materialized views before the build, and the keys it touched (see crate::views).
    views_before: views::Before,
    touched: Touched,
    /// The build wrote something.
    wrote: bool,
}

impl<'a> Linker<'a> {
    pub fn new(kg: &'a KgStore, iris: &'a Iris) -> Result<Self, StoreError> {
        let views_before = views::Before::read(kg)?;
        let had_documents = kg.has_documents()?;
        Ok(Self {
            kg,
            iris,
            index: BuildIndex::default(),
            ledger: Ledger::new(had_documents),
            had_documents,
            committed: false,
            full: !views_before.describes_store(),
            linked: HashSet::new(),
            touched: Touched::new(&views_before),
            views_before,
            wrote: false,
        })
    }

    fn look_up(&self) -> bool {
        self.had_documents || self.committed
    }

    /// Links a batch of documents (of an id given twice, the last, as the writer writes it).
    pub fn link(&mut self, docs: &mut Vec<DocumentGraph>) -> Result<(), StoreError> {
        let mut last = std::collections::HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            last.insert(d.graph.clone(), i);
        }
        let mut i = 0;
        docs.retain(|d| {
            i += 1;
            last.get(&d.graph) == Some(&(i - 1))
        });
        if docs.is_empty() {
            return Ok(());
        }
        if !self.wrote {
            // From the first write on, the views are not read until the build has refreshed them.
            views::invalidate(self.kg)?;
            self.wrote = true;
        }
        for doc in docs.iter_mut() {
            self.link_one(doc)?;
        }
        Ok(())
    }

    fn link_one(&mut self, doc: &mut DocumentGraph) -> Result<(), StoreError> {
        let again = !self.linked.insert(doc.id.clone());
        // Into a store that held no document, only this build's own earlier version can be there.
        let in_store = (self.had_documents || (self.committed && again))
            && self.kg.oxigraph().contains_named_graph(doc.graph.as_ref()).map_err(|e| self.kg.storage_error(e))?;
        if again {
            // Its earlier version's quads, kept in memory for the views, are no longer the store's.
            self.touched.forget_written();
        }
        if again && !in_store {
            // The same id twice in one build, the first still uncommitted: its links are not readable.
            self.full = true;
        }
        if in_store {
            let old = stored_links(self.kg, &doc.graph)?;
            if !self.full {
                self.ledger.record(self.kg, &old, -1, true)?;
            }
            doc.retract.extend(version_links(self.kg, self.iris, Some(&doc.graph), None)?);
        }
        let root = self.find_root(doc)?;
        let links = fact_links(self.iris, &doc.id, doc.identity.date.as_deref(), root.as_ref(), &doc.identity.outcomes);
        add_links(doc, &links);
        self.touched.document(doc, &GraphName::NamedNode(self.iris.entities_graph()));
        if let Some(r) = &root {
            let versions = GraphName::NamedNode(self.iris.versions_graph());
            doc.quads.push(Quad::new(doc.graph.clone(), pk::DUPLICATE_OF, self.iris.document(&r.id), versions));
        }
        if !self.full {
            let look_up = self.look_up();
            self.ledger.record(self.kg, &links, 1, look_up)?;
        }
        if let Some(sig) = &doc.identity.signature {
            let root_id = root.map_or_else(|| doc.id.clone(), |r| r.id);
            self.index.insert(Version { id: doc.id.clone(), date: doc.identity.date.clone(), root: root_id }, sig);
        }
        Ok(())
    }

    /// The root of the cluster the document joins: the root of the most similar earlier document.
    fn find_root(&self, doc: &DocumentGraph) -> Result<Option<Root>, StoreError> {
        let Some(sig) = &doc.identity.signature else { return Ok(None) };
        let mut found = self.index.similar(&doc.id, sig);
        if self.had_documents {
            found.extend(dedup::similar_in_store(self.kg, self.iris, &doc.id, sig)?);
            found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        }
        let Some((best, _)) = found.into_iter().find(|(v, _)| v.root != doc.id) else { return Ok(None) };
        let date = match self.index.get(&best.root) {
            Some(v) => v.date.clone(),
            None if best.root == best.id => best.date.clone(),
            None => {
                let r = self.iris.document(&best.root);
                dedup::literal(self.kg, r.as_ref(), dcterms::ISSUED, GraphNameRef::NamedNode(r.as_ref()))?
            }
        };
        Ok(Some(Root { id: best.root, date }))
    }

    /// Hands the recorded changes to the views; call it only when the writer has committed everything it
    /// was given (the ledger's first lookups then see every link it counted).
    pub fn flush(&mut self) {
        self.committed = true;
        if !self.full {
            self.touched.cells(self.ledger.take_changes());
            self.touched.facts(self.ledger.take_listed());
        }
    }

    /// Ends the build: returns the views' refresh, for the caller to run when the store is compacted (its
    /// lookups are then faster).
    pub fn finish(mut self) -> views::Pending {
        self.flush();
        views::Pending { before: self.views_before, touched: self.touched, full: self.full, wrote: self.wrote }
    }
}

/// Adds `outcome pk:fact F` to the document's own graph.
fn add_links(doc: &mut DocumentGraph, links: &[FactLink]) {
    let graph = GraphName::NamedNode(doc.graph.clone());
    for l in links {
        doc.quads.push(Quad::new(l.outcome.clone(), pk::FACT_PROP, l.fact.clone(), graph.clone()));
    }
}

/// Links a document's outcomes as if it repeated nothing (the stateless `policekg extract`).
pub fn link_alone(iris: &Iris, doc: &mut DocumentGraph) {
    let links = fact_links(iris, &doc.id, doc.identity.date.as_deref(), None, &doc.identity.outcomes);
    add_links(doc, &links);
}

/// The fact links a stored document states, with each outcome's cell and value.
fn stored_links(kg: &KgStore, graph: &NamedNode) -> Result<Vec<FactLink>, StoreError> {
    let g = GraphNameRef::NamedNode(graph.as_ref());
    let mut links = Vec::new();
    for q in kg.oxigraph().quads_for_pattern(None, Some(pk::FACT_PROP), None, Some(g)) {
        let q = q.map_err(|e| kg.storage_error(e))?;
        let (NamedOrBlankNode::NamedNode(outcome), Term::NamedNode(fact)) = (q.subject, q.object) else { continue };
        let (cell, value) = match rollup::outcome_cell(kg, &outcome, graph)? {
            Some((cell, value)) => (Some(cell), value),
            None => (None, String::new()),
        };
        links.push(FactLink { outcome, fact, cell, value });
    }
    Ok(links)
}

/// The `pk:duplicateOf` quads from `from` and/or to `to` in the versions graph.
fn version_links(
    kg: &KgStore,
    iris: &Iris,
    from: Option<&NamedNode>,
    to: Option<&NamedNode>,
) -> Result<Vec<Quad>, StoreError> {
    let versions = iris.versions_graph();
    kg.oxigraph()
        .quads_for_pattern(
            from.map(|n| n.as_ref().into()),
            Some(pk::DUPLICATE_OF),
            to.map(|n| n.as_ref().into()),
            Some(GraphNameRef::NamedNode(versions.as_ref())),
        )
        .map(|q| q.map_err(|e| kg.storage_error(e)))
        .collect()
}

/// Removes documents by id with exactly their facts' sources, in one transaction: their graphs and their
/// re-post links (the versions left of a removed root link to the first of them by id); then refreshes the
/// views. Returns the ids that were not in the store.
pub fn remove_documents(kg: &KgStore, iris: &Iris, ids: &[String]) -> Result<Vec<String>, StoreError> {
    let err = |e| kg.storage_error(e);
    let views_before = views::Before::read(kg)?;
    let full = !views_before.describes_store();
    let mut missing = Vec::new();
    let mut removed: BTreeMap<String, NamedNode> = BTreeMap::new();
    for id in ids {
        let graph = iris.document(id);
        if kg.oxigraph().contains_named_graph(graph.as_ref()).map_err(err)? {
            removed.insert(id.clone(), graph);
        } else {
            missing.push(id.clone());
        }
    }
    let mut ledger = Ledger::default();
    let (mut retract, mut add) = (Vec::new(), Vec::new());
    let versions = GraphName::NamedNode(iris.versions_graph());
    let removed_graphs: HashSet<NamedNode> = removed.values().cloned().collect();
    for graph in removed.values() {
        if !full {
            ledger.record(kg, &stored_links(kg, graph)?, -1, true)?;
        }
        retract.extend(version_links(kg, iris, Some(graph), None)?);
        let orphans = version_links(kg, iris, None, Some(graph))?;
        retract.extend(orphans.iter().cloned());
        let mut left: Vec<NamedNode> = orphans
            .into_iter()
            .filter_map(|q| match q.subject {
                NamedOrBlankNode::NamedNode(n) if !removed_graphs.contains(&n) => Some(n),
                _ => None,
            })
            .collect();
        left.sort();
        if let Some((root, rest)) = left.split_first() {
            add.extend(rest.iter().map(|n| Quad::new(n.clone(), pk::DUPLICATE_OF, root.clone(), versions.clone())));
        }
    }
    if removed.is_empty() {
        return Ok(missing);
    }
    let mut t = kg.oxigraph().start_transaction().map_err(err)?;
    for graph in removed.values() {
        t.remove_named_graph(graph.as_ref()).map_err(err)?;
    }
    for q in retract.iter().chain(&views::invalidation(kg)?) {
        t.remove(q);
    }
    t.extend(&add);
    t.commit().map_err(err)?;
    let mut touched = Touched::default();
    touched.cells(ledger.take_changes());
    touched.facts(ledger.take_listed());
    views::Pending { before: views_before, touched, full, wrote: true }.run(kg, iris)?;
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{build, BuildOptions, Silent, Source};
    use oxigraph::sparql::QueryResults;
    use std::path::{Path, PathBuf};

    fn reposts() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reposts")
    }

    fn build_paths(kg: &KgStore, paths: Vec<PathBuf>) {
        let options = BuildOptions { compact: false, ..Default::default() };
        build(kg, &Iris::default(), Source::Paths(paths), &options, &Silent).unwrap();
    }

    /// (facts, outcomes) of the cases solved with `value`.
    fn facts_of(kg: &KgStore, value: &str) -> (usize, usize) {
        let q = format!("SELECT ?o ?f WHERE {{ ?o pk:value ?v ; pk:fact ?f ; pk:metric pk:metric_cases_solved FILTER(?v = {value}) }}");
        let QueryResults::Solutions(rows) = crate::query::evaluate(kg, &q).unwrap() else { panic!() };
        let rows: Vec<_> = rows.map(|r| r.unwrap().get("f").unwrap().to_string()).collect();
        let facts: HashSet<&String> = rows.iter().collect();
        (facts.len(), rows.len())
    }

    /// The totals the outcomes view keeps are the totals the document graphs give.
    fn assert_consistent(kg: &KgStore) {
        let kept = views::outcome_measures(kg).unwrap().expect("the views describe the store");
        assert_eq!(kept, rollup::compute_by_key(kg).unwrap());
    }

    #[test]
    fn build_and_remove_keep_facts_re_posts_and_totals_in_step() {
        let dir = tempfile::tempdir().unwrap();
        let kg = KgStore::open(dir.path()).unwrap();
        let iris = Iris::default();
        build_paths(&kg, vec![reposts()]);
        assert_eq!(facts_of(&kg, "312"), (1, 3), "one fact, three sources");
        assert_eq!(facts_of(&kg, "56"), (2, 2), "two quarters, two facts");
        assert_consistent(&kg);
        let cells = rollup::compute_from_documents(&kg).unwrap();
        let cases = cells
            .iter()
            .find(|(c, _)| c.metric == "cases_solved" && c.campaign == Some(iris.campaign("清风-2024")))
            .map(|(_, m)| *m)
            .unwrap();
        assert_eq!((rollup::format_fixed(cases.total), cases.facts, cases.documents), ("312".to_owned(), 1, 3));

        let missing = remove_documents(&kg, &iris, &["yy_2024_report_traditional".into(), "nope".into()]).unwrap();
        assert_eq!(missing, ["nope"]);
        assert_eq!(facts_of(&kg, "312"), (1, 2));
        assert_consistent(&kg);
        remove_documents(&kg, &iris, &["yy_2024_report".into()]).unwrap();
        assert_eq!(facts_of(&kg, "312"), (1, 1));
        assert_consistent(&kg);
        remove_documents(&kg, &iris, &["yy_2024_report_source_line".into()]).unwrap();
        assert_eq!(facts_of(&kg, "312"), (0, 0));
        assert_consistent(&kg);

        // Built again, one at a time: the same facts and totals as in one build.
        for f in ["yy_2024_report_traditional.txt", "yy_2024_report.txt", "yy_2024_report_source_line.txt"] {
            build_paths(&kg, vec![reposts().join(f)]);
        }
        assert_eq!(facts_of(&kg, "312"), (1, 3));
        assert_consistent(&kg);
    }
}
