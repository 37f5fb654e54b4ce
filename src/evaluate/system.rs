//! What the graph says, read once with SPARQL into the lookups the matching needs: labels, parent links,
//! the entities each document mentions, and each document's outcomes and operations.
//!
//! Everything is read from the union of the store's graphs, as the reference scorer reads an export, and
//! held in sorted collections, so the matching visits items in one order on every run.

use crate::query::{self, QueryError};
use crate::store::KgStore;
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An entity's IRI (or blank node id).
pub type EntityId = String;

/// One outcome of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemOutcome {
    pub id: EntityId,
    pub value: f64,
    pub unit: String,
    /// The metric code (`skos:notation`), when the metric has one.
    pub metric: Option<String>,
    pub agencies: BTreeSet<EntityId>,
    pub campaigns: BTreeSet<EntityId>,
    pub approximate: bool,
}

/// One operation of the graph, as seen from one document.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemOperation {
    pub id: EntityId,
    pub dates: BTreeSet<String>,
    pub by: BTreeSet<EntityId>,
}

/// The kinds of entity matched by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityClass {
    Agency,
    Unit,
    Campaign,
}

impl EntityClass {
    fn local_name(self) -> &'static str {
        match self {
            EntityClass::Agency => "Agency",
            EntityClass::Unit => "Unit",
            EntityClass::Campaign => "Campaign",
        }
    }
}

/// The graph, with the lookups the matching needs. Documents are keyed by `dcterms:identifier`.
#[derive(Debug, Clone, Default)]
pub struct SystemGraph {
    pub labels: HashMap<EntityId, BTreeSet<String>>,
    pub parents: HashMap<EntityId, BTreeSet<EntityId>>,
    /// Identifiers of the documents in the graph.
    pub documents: BTreeSet<String>,
    /// Per class, per document: the entities that document mentions.
    pub mentioned: HashMap<EntityClass, BTreeMap<String, BTreeSet<EntityId>>>,
    pub outcomes: BTreeMap<String, Vec<SystemOutcome>>,
    pub operations: BTreeMap<String, Vec<SystemOperation>>,
}

const LABELS: &str = "SELECT ?e ?l WHERE { ?e rdfs:label|skos:prefLabel|skos:altLabel ?l }";
const PARENTS: &str = "SELECT ?e ?p WHERE { ?e org:subOrganizationOf|org:unitOf|pk:partOf ?p }";
const DOCUMENTS: &str = "SELECT ?d ?id WHERE { ?d a pk:Document ; dcterms:identifier ?id }";
const OUTCOMES: &str = "SELECT ?o ?d ?v ?u ?metric ?ag ?camp ?approx WHERE {
  ?o a pk:Outcome ; prov:wasDerivedFrom ?d ; pk:value ?v ; pk:unit ?u .
  OPTIONAL { ?o pk:metric ?m . ?m skos:notation ?metric }
  OPTIONAL { ?o pk:attributedTo ?ag }
  OPTIONAL { ?o pk:campaign ?camp }
  OPTIONAL { ?o pk:approximate ?approx }
}";
const OPERATIONS: &str = "SELECT ?op ?d ?date ?by WHERE {
  ?op a pk:Operation ; prov:wasDerivedFrom|pk:mentionedIn ?d .
  OPTIONAL { ?op pk:date ?date }
  OPTIONAL { ?op pk:conductedBy ?by }
}";

/// One solution row: each variable's value (an IRI, a literal's lexical form, a blank node id) or None.
type Row = HashMap<String, String>;

fn term_value(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::BlankNode(b) => b.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

fn select(store: &KgStore, sparql: &str) -> Result<Vec<Row>, QueryError> {
    let QueryResults::Solutions(solutions) = query::evaluate(store, sparql)? else {
        return Err(QueryError::Evaluation("expected a SELECT query".into()));
    };
    let mut rows = Vec::new();
    for solution in solutions {
        let solution = solution.map_err(|e| QueryError::Evaluation(e.to_string()))?;
        rows.push(solution.iter().map(|(var, term)| (var.as_str().to_owned(), term_value(term))).collect());
    }
    Ok(rows)
}

impl SystemGraph {
    /// Reads the graph of `store` (the union of its graphs).
    pub fn read(store: &KgStore) -> Result<Self, QueryError> {
        let mut g = SystemGraph::default();
        for row in select(store, LABELS)? {
            g.labels.entry(row["e"].clone()).or_default().insert(row["l"].clone());
        }
        for row in select(store, PARENTS)? {
            g.parents.entry(row["e"].clone()).or_default().insert(row["p"].clone());
        }
        let docs: HashMap<String, String> =
            select(store, DOCUMENTS)?.into_iter().map(|row| (row["d"].clone(), row["id"].clone())).collect();
        g.documents = docs.values().cloned().collect();
        for class in [EntityClass::Agency, EntityClass::Unit, EntityClass::Campaign] {
            let sparql =
                format!("SELECT DISTINCT ?e ?d WHERE {{ ?e a pk:{} ; pk:mentionedIn ?d }}", class.local_name());
            let per_doc = g.mentioned.entry(class).or_default();
            for row in select(store, &sparql)? {
                if let Some(id) = docs.get(&row["d"]) {
                    per_doc.entry(id.clone()).or_default().insert(row["e"].clone());
                }
            }
        }
        g.outcomes = read_outcomes(select(store, OUTCOMES)?, &docs);
        g.operations = read_operations(select(store, OPERATIONS)?, &docs);
        Ok(g)
    }

    /// The labels of an entity and of every ancestor of it.
    pub fn labels_up(&self, entity: &str) -> BTreeSet<String> {
        let mut out = self.labels.get(entity).cloned().unwrap_or_default();
        for a in self.ancestors(entity) {
            out.extend(self.labels.get(&a).into_iter().flatten().cloned());
        }
        out
    }

    /// The labels of every ancestor of an entity (not its own).
    pub fn ancestor_labels(&self, entity: &str) -> BTreeSet<String> {
        self.ancestors(entity).iter().flat_map(|a| self.labels.get(a).into_iter().flatten().cloned()).collect()
    }

    /// The labels up the chains of several entities (an outcome's agencies, an operation's actors).
    pub fn labels_up_all<'a>(&self, entities: impl IntoIterator<Item = &'a EntityId>) -> BTreeSet<String> {
        entities.into_iter().flat_map(|e| self.labels_up(e)).collect()
    }

    /// Every entity above `entity` along the parent links (cycles are walked once).
    pub fn ancestors(&self, entity: &str) -> BTreeSet<EntityId> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![entity.to_owned()];
        while let Some(x) = todo.pop() {
            for p in self.parents.get(&x).into_iter().flatten() {
                if seen.insert(p.clone()) {
                    todo.push(p.clone());
                }
            }
        }
        seen
    }

    /// The entities of `class` that document `doc` mentions.
    pub fn mentioned_in(&self, class: EntityClass, doc: &str) -> impl Iterator<Item = &EntityId> {
        self.mentioned.get(&class).and_then(|m| m.get(doc)).into_iter().flatten()
    }
}

/// Outcome rows merged by outcome (several agencies or campaigns give several rows), by document.
fn read_outcomes(rows: Vec<Row>, docs: &HashMap<String, String>) -> BTreeMap<String, Vec<SystemOutcome>> {
    let mut merged: BTreeMap<EntityId, (String, SystemOutcome)> = BTreeMap::new();
    for row in rows {
        let Some(doc) = docs.get(&row["d"]) else { continue };
        let Ok(value) = row["v"].trim().parse::<f64>() else { continue };
        let (_, o) = merged.entry(row["o"].clone()).or_insert_with(|| {
            let outcome = SystemOutcome {
                id: row["o"].clone(),
                value,
                unit: row["u"].clone(),
                metric: row.get("metric").cloned(),
                agencies: BTreeSet::new(),
                campaigns: BTreeSet::new(),
                approximate: row.get("approx").is_some_and(|a| a == "true" || a == "1"),
            };
            (doc.clone(), outcome)
        });
        o.agencies.extend(row.get("ag").cloned());
        o.campaigns.extend(row.get("camp").cloned());
    }
    let mut per_doc: BTreeMap<String, Vec<SystemOutcome>> = BTreeMap::new();
    for (_, (doc, outcome)) in merged {
        per_doc.entry(doc).or_default().push(outcome);
    }
    per_doc
}

/// Operation rows merged by operation and document, by document.
fn read_operations(rows: Vec<Row>, docs: &HashMap<String, String>) -> BTreeMap<String, Vec<SystemOperation>> {
    let mut merged: BTreeMap<(String, EntityId), SystemOperation> = BTreeMap::new();
    for row in rows {
        let Some(doc) = docs.get(&row["d"]) else { continue };
        let op = merged.entry((doc.clone(), row["op"].clone())).or_insert_with(|| SystemOperation {
            id: row["op"].clone(),
            dates: BTreeSet::new(),
            by: BTreeSet::new(),
        });
        op.dates.extend(row.get("date").cloned());
        op.by.extend(row.get("by").cloned());
    }
    let mut per_doc: BTreeMap<String, Vec<SystemOperation>> = BTreeMap::new();
    for ((doc, _), op) in merged {
        per_doc.entry(doc).or_default().push(op);
    }
    per_doc
}
