//! Validation: the SHACL shapes of `ontology/shapes.ttl`, compiled to SPARQL and run on a store.
//!
//! No SHACL engine is linked in: each constraint of the subset the shapes use becomes one SPARQL `SELECT`
//! returning the focus nodes (and values) that violate it, evaluated over the union of all graphs. SHACL's
//! class tests (`sh:targetClass`, `sh:class`) include subclasses: the shapes are compiled against the class
//! hierarchy of the data ([`ClassHierarchy`], read once from the store's `rdfs:subClassOf` statements), so each
//! test is a plain `rdf:type` lookup over a fixed list of classes rather than a `rdf:type/rdfs:subClassOf*` path
//! walked for every node, which made validation minutes long on large stores. Supported: node shapes with
//! `sh:targetClass` (subclasses included) or `sh:targetObjectsOf`/`sh:targetSubjectsOf`; property shapes with
//! an IRI `sh:path` and `sh:minCount`, `sh:maxCount`, `sh:datatype`, `sh:in`, `sh:class`, `sh:nodeKind`,
//! `sh:hasValue`, `sh:pattern`, `sh:minInclusive`, `sh:maxInclusive`, `sh:lessThanOrEquals`; and
//! SPARQL-based constraints (`sh:sparql` with an `sh:select` over `$this`). A shape using anything else is
//! rejected when compiled, rather than silently passed. The test suite checks that pySHACL agrees.

use crate::query::{self, QueryError};
use crate::store::KgStore;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef};
use oxigraph::sparql::QueryResults;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The shapes, compiled into the binary.
pub const SHAPES_TTL: &str = include_str!("../ontology/shapes.ttl");

const SH: &str = "http://www.w3.org/ns/shacl#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDFS_SUBCLASS_OF: &str = "http://www.w3.org/2000/01/rdf-schema#subClassOf";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidateError {
    #[error("the shapes are not valid Turtle: {0}")]
    ShapesSyntax(String),
    #[error("shape {shape}: {reason}")]
    Unsupported { shape: String, reason: String },
    #[error("cannot read the class hierarchy: {0}")]
    Storage(String),
    #[error("constraint {component} of shape {shape}: {source}")]
    Query {
        shape: String,
        component: String,
        #[source]
        source: QueryError,
    },
}

/// How focus nodes are selected.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Class(NamedNode),
    ObjectsOf(NamedNode),
    SubjectsOf(NamedNode),
}

impl Target {
    /// A SPARQL group pattern binding `?this` to each focus node.
    fn pattern(&self, classes: &ClassHierarchy) -> String {
        match self {
            Target::Class(c) => classes.instance_pattern("?this", c, "?_target_class"),
            Target::ObjectsOf(p) => format!("?_subject {p} ?this ."),
            Target::SubjectsOf(p) => format!("?this {p} ?_object ."),
        }
    }
}

/// Which classes are subclasses of which (`rdfs:subClassOf`, transitively and reflexively), as SHACL reads
/// the data graph.
#[derive(Debug, Clone, Default)]
pub struct ClassHierarchy {
    /// Each class's direct superclasses.
    parents: BTreeMap<NamedNode, BTreeSet<NamedNode>>,
}

impl ClassHierarchy {
    /// The hierarchy stated in any graph of the store (the ontology graph, normally).
    pub fn of_store(store: &KgStore) -> Result<Self, ValidateError> {
        let mut hierarchy = Self::default();
        let subclass_of = NamedNodeRef::new_unchecked(RDFS_SUBCLASS_OF);
        for quad in store.oxigraph().quads_for_pattern(None, Some(subclass_of), None, None) {
            let quad = quad.map_err(|e| ValidateError::Storage(e.to_string()))?;
            if let (NamedOrBlankNode::NamedNode(sub), Term::NamedNode(sup)) = (quad.subject, quad.object) {
                hierarchy.parents.entry(sub).or_default().insert(sup);
            }
        }
        Ok(hierarchy)
    }

    /// The hierarchy of the compiled-in ontology.
    pub fn of_ontology() -> Result<Self, ValidateError> {
        let store = KgStore::in_memory().map_err(|e| ValidateError::Storage(e.to_string()))?;
        store.install_ontology().map_err(|e| ValidateError::Storage(e.to_string()))?;
        Self::of_store(&store)
    }

    /// `class` and every class below it, sorted.
    pub fn subclasses(&self, class: &NamedNode) -> Vec<NamedNode> {
        let mut found = BTreeSet::from([class.clone()]);
        // Fixpoint over the (small) hierarchy; cycles are harmless.
        loop {
            let before = found.len();
            for (sub, sups) in &self.parents {
                if !found.contains(sub) && sups.iter().any(|s| found.contains(s)) {
                    found.insert(sub.clone());
                }
            }
            if found.len() == before {
                return found.into_iter().collect();
            }
        }
    }

    /// A group pattern matching `node` when it is an instance of `class` or of one of its subclasses,
    /// using `var` for the class.
    fn instance_pattern(&self, node: &str, class: &NamedNode, var: &str) -> String {
        match self.subclasses(class).as_slice() {
            [only] => format!("{node} <{RDF_TYPE}> {only} ."),
            all => {
                let list = all.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" ");
                format!("VALUES {var} {{ {list} }} {node} <{RDF_TYPE}> {var} .")
            }
        }
    }
}

/// One constraint of one shape, compiled to a SPARQL query.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The node shape (its IRI) the constraint belongs to.
    pub shape: String,
    /// The property path, when the constraint is on a property shape.
    pub path: Option<NamedNode>,
    /// The SHACL constraint component, e.g. `sh:MinCountConstraintComponent`.
    pub component: String,
    /// `sh:message`, or a message made from the constraint.
    pub message: String,
    /// `SELECT ?this ?value`: one row per violation.
    pub sparql: String,
}

/// One violation: the focus node, the path and value concerned, the constraint, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Violation {
    pub focus: String,
    pub path: Option<String>,
    pub constraint: String,
    pub value: Option<String>,
    pub shape: String,
    pub message: String,
}

/// The result of a validation.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub conforms: bool,
    /// How many constraints were checked.
    pub constraints: usize,
    /// Sorted by focus node, path, constraint.
    pub violations: Vec<Violation>,
}

/// Compiles shapes (Turtle) into SPARQL constraints, for data with the class hierarchy `classes`.
pub fn compile(shapes_ttl: &str, classes: &ClassHierarchy) -> Result<Vec<Constraint>, ValidateError> {
    let mut graph = Graph::new();
    for t in RdfParser::from_format(RdfFormat::Turtle).for_slice(shapes_ttl.as_bytes()) {
        graph.insert(&t.map_err(|e| ValidateError::ShapesSyntax(e.to_string()))?.into());
    }
    let sh = |local: &str| NamedNode::new_unchecked(format!("{SH}{local}"));
    let mut constraints = Vec::new();
    let mut shapes: Vec<NamedOrBlankNode> = graph
        .subjects_for_predicate_object(NamedNodeRef::new_unchecked(RDF_TYPE), sh("NodeShape").as_ref())
        .map(|s| s.into_owned())
        .collect();
    shapes.sort_by_key(|s| s.to_string());
    for shape in &shapes {
        let name = match shape {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        };
        let unsupported = |reason: String| ValidateError::Unsupported { shape: name.clone(), reason };
        let mut targets = Vec::new();
        for (p, make) in [
            ("targetClass", Target::Class as fn(NamedNode) -> Target),
            ("targetObjectsOf", Target::ObjectsOf),
            ("targetSubjectsOf", Target::SubjectsOf),
        ] {
            for o in graph.objects_for_subject_predicate(shape, sh(p).as_ref()) {
                match o {
                    TermRef::NamedNode(n) => targets.push(make(n.into_owned())),
                    other => return Err(unsupported(format!("sh:{p} {other} is not an IRI"))),
                }
            }
        }
        if targets.is_empty() {
            return Err(unsupported("no sh:targetClass, sh:targetObjectsOf or sh:targetSubjectsOf".into()));
        }
        let mut properties: Vec<_> = graph.objects_for_subject_predicate(shape, sh("property").as_ref()).collect();
        properties.sort_by_key(|p| p.to_string());
        for property in properties {
            let property = as_subject(property).ok_or_else(|| unsupported("sh:property is a literal".into()))?;
            let path = match graph.object_for_subject_predicate(property, sh("path").as_ref()) {
                Some(TermRef::NamedNode(n)) => n.into_owned(),
                Some(_) => return Err(unsupported("only IRI paths are supported".into())),
                None => return Err(unsupported("a property shape without sh:path".into())),
            };
            let message = graph.object_for_subject_predicate(property, sh("message").as_ref()).and_then(|m| match m {
                TermRef::Literal(l) => Some(l.value().to_owned()),
                _ => None,
            });
            for t in graph.triples_for_subject(property) {
                let local = match t.predicate.as_str().strip_prefix(SH) {
                    Some(l) => l,
                    None => continue,
                };
                if matches!(local, "path" | "message" | "name" | "description" | "severity" | "order") {
                    continue;
                }
                let list = |node: TermRef<'_>| rdf_list(&graph, node);
                for target in &targets {
                    let (component, sparql) =
                        property_constraint(local, &path, t.object, &target.pattern(classes), classes, list)
                            .map_err(&unsupported)?;
                    constraints.push(Constraint {
                        shape: name.clone(),
                        path: Some(path.clone()),
                        message: message.clone().unwrap_or_else(|| format!("{component} on {path}")),
                        component: format!("sh:{component}"),
                        sparql,
                    });
                }
            }
        }
        for sparql in graph.objects_for_subject_predicate(shape, sh("sparql").as_ref()) {
            let node = as_subject(sparql).ok_or_else(|| unsupported("sh:sparql is a literal".into()))?;
            let select = match graph.object_for_subject_predicate(node, sh("select").as_ref()) {
                Some(TermRef::Literal(l)) => l.value().to_owned(),
                _ => return Err(unsupported("sh:sparql without a literal sh:select".into())),
            };
            let message = graph
                .object_for_subject_predicate(node, sh("message").as_ref())
                .and_then(|m| match m {
                    TermRef::Literal(l) => Some(l.value().to_owned()),
                    _ => None,
                })
                .unwrap_or_else(|| "SPARQL constraint".into());
            let inner = select.replace("$this", "?this");
            for target in &targets {
                constraints.push(Constraint {
                    shape: name.clone(),
                    path: None,
                    component: "sh:SPARQLConstraintComponent".into(),
                    message: message.clone(),
                    sparql: format!(
                        "SELECT DISTINCT ?this ?value WHERE {{ {} {{ {inner} }} }}",
                        target.pattern(classes)
                    ),
                });
            }
        }
    }
    Ok(constraints)
}

fn as_subject(t: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match t {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn rdf_list<'a>(graph: &'a Graph, mut node: TermRef<'a>) -> Option<Vec<Term>> {
    let mut items = Vec::new();
    loop {
        match node {
            TermRef::NamedNode(n) if n.as_str() == RDF_NIL => return Some(items),
            _ => {}
        }
        let s = as_subject(node)?;
        items.push(graph.object_for_subject_predicate(s, NamedNodeRef::new_unchecked(RDF_FIRST))?.into_owned());
        node = graph.object_for_subject_predicate(s, NamedNodeRef::new_unchecked(RDF_REST))?;
        if items.len() > 10_000 {
            return None;
        }
    }
}

/// The component name and the violation query of one constraint parameter of a property shape.
fn property_constraint(
    parameter: &str,
    path: &NamedNode,
    value: TermRef<'_>,
    target: &str,
    classes: &ClassHierarchy,
    list: impl Fn(TermRef<'_>) -> Option<Vec<Term>>,
) -> Result<(&'static str, String), String> {
    let integer = |v: TermRef<'_>| match v {
        TermRef::Literal(l) => l.value().parse::<u64>().map_err(|_| format!("sh:{parameter} {v} is not an integer")),
        _ => Err(format!("sh:{parameter} {v} is not an integer")),
    };
    let iri = |v: TermRef<'_>| match v {
        TermRef::NamedNode(n) => Ok(n.into_owned()),
        _ => Err(format!("sh:{parameter} {v} is not an IRI")),
    };
    // Rows: the focus node and, for value-based constraints, the offending value.
    let values = |filter: String| {
        format!("SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {path} ?value . FILTER ({filter}) }}")
    };
    Ok(match parameter {
        // The common cases without grouping, which is costly over millions of focus nodes.
        "minCount" if integer(value)? == 1 => (
            "MinCountConstraintComponent",
            format!("SELECT DISTINCT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {path} ?_any }} }}"),
        ),
        "maxCount" if integer(value)? == 1 => (
            "MaxCountConstraintComponent",
            format!(
                "SELECT DISTINCT ?this WHERE {{ {target} ?this {path} ?value . ?this {path} ?_other . \
                 FILTER (!sameTerm(?value, ?_other)) }}"
            ),
        ),
        "minCount" => {
            let n = integer(value)?;
            (
                "MinCountConstraintComponent",
                format!(
                    "SELECT ?this WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {target} }} }} OPTIONAL {{ ?this {path} ?value }} }} \
                     GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
                ),
            )
        }
        "maxCount" => {
            let n = integer(value)?;
            (
                "MaxCountConstraintComponent",
                format!(
                    "SELECT ?this WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {target} }} }} ?this {path} ?value }} \
                     GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
                ),
            )
        }
        "datatype" => {
            let d = iri(value)?;
            // Well-formed too: casting the lexical form to the datatype must succeed (xsd types only).
            let well_formed = if d.as_str().starts_with("http://www.w3.org/2001/XMLSchema#")
                && d.as_str() != "http://www.w3.org/2001/XMLSchema#string"
            {
                format!(" && COALESCE({d}(STR(?value)) = {d}(STR(?value)), false)")
            } else {
                String::new()
            };
            (
                "DatatypeConstraintComponent",
                values(format!("!(isLiteral(?value) && DATATYPE(?value) = {d}{well_formed})")),
            )
        }
        "in" => {
            let items = list(value).ok_or_else(|| "sh:in is not a well-formed RDF list".to_owned())?;
            let any = items.iter().map(|t| format!("sameTerm(?value, {t})")).collect::<Vec<_>>().join(" || ");
            ("InConstraintComponent", values(format!("!({})", if any.is_empty() { "false".into() } else { any })))
        }
        "class" => {
            let c = iri(value)?;
            (
                "ClassConstraintComponent",
                values(format!("NOT EXISTS {{ {} }}", classes.instance_pattern("?value", &c, "?_value_class"))),
            )
        }
        "nodeKind" => {
            let k = iri(value)?;
            let test = match k.as_str().strip_prefix(SH) {
                Some("IRI") => "isIRI(?value)",
                Some("Literal") => "isLiteral(?value)",
                Some("BlankNode") => "isBlank(?value)",
                Some("BlankNodeOrIRI") => "(isBlank(?value) || isIRI(?value))",
                Some("IRIOrLiteral") => "(isIRI(?value) || isLiteral(?value))",
                Some("BlankNodeOrLiteral") => "(isBlank(?value) || isLiteral(?value))",
                _ => return Err(format!("unknown sh:nodeKind {k}")),
            };
            ("NodeKindConstraintComponent", values(format!("!{test}")))
        }
        "hasValue" => (
            "HasValueConstraintComponent",
            format!("SELECT DISTINCT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {path} {} }} }}", value),
        ),
        "pattern" => {
            let pattern = match value {
                TermRef::Literal(l) => l.value().to_owned(),
                _ => return Err("sh:pattern is not a literal".into()),
            };
            (
                "PatternConstraintComponent",
                values(format!(
                    "isBlank(?value) || !REGEX(STR(?value), {})",
                    Term::from(oxigraph::model::Literal::new_simple_literal(pattern))
                )),
            )
        }
        "minInclusive" => ("MinInclusiveConstraintComponent", values(format!("!COALESCE(?value >= {value}, false)"))),
        "maxInclusive" => ("MaxInclusiveConstraintComponent", values(format!("!COALESCE(?value <= {value}, false)"))),
        "lessThanOrEquals" => {
            let other = iri(value)?;
            (
                "LessThanOrEqualsConstraintComponent",
                format!(
                    "SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {path} ?value . ?this {other} ?_other . \
                     FILTER (!COALESCE(?value <= ?_other, false)) }}"
                ),
            )
        }
        other => return Err(format!("sh:{other} is not supported by policekg validate")),
    })
}

/// Runs every constraint on the store (the union of all its graphs).
/// The constraints are independent queries on one snapshot, so they run in parallel (rayon).
pub fn validate(store: &KgStore, constraints: &[Constraint]) -> Result<Report, ValidateError> {
    let found: Vec<Vec<Violation>> =
        constraints.par_iter().map(|c| violations_of(store, c)).collect::<Result<_, _>>()?;
    let mut violations: Vec<Violation> = found.into_iter().flatten().collect();
    violations.sort();
    violations.dedup();
    Ok(Report { conforms: violations.is_empty(), constraints: constraints.len(), violations })
}

fn violations_of(store: &KgStore, c: &Constraint) -> Result<Vec<Violation>, ValidateError> {
    let err = |source| ValidateError::Query { shape: c.shape.clone(), component: c.component.clone(), source };
    let QueryResults::Solutions(rows) = query::evaluate(store, &c.sparql).map_err(err)? else {
        return Ok(Vec::new());
    };
    let mut violations = Vec::new();
    for row in rows {
        let row = row.map_err(|e| err(QueryError::Evaluation(e.to_string())))?;
        let Some(focus) = row.get("this") else { continue };
        violations.push(Violation {
            focus: term_text(focus),
            path: c.path.as_ref().map(|p| p.as_str().to_owned()),
            constraint: c.component.clone(),
            value: row.get("value").map(term_text),
            shape: c.shape.clone(),
            message: c.message.clone(),
        });
    }
    Ok(violations)
}

/// Validates against the compiled-in shapes.
pub fn validate_store(store: &KgStore) -> Result<Report, ValidateError> {
    validate(store, &compile(SHAPES_TTL, &ClassHierarchy::of_store(store)?)?)
}

/// IRIs bare, literals and blank nodes in N-Triples syntax.
fn term_text(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        other => other.to_string(),
    }
}

impl Report {
    /// A report for people: a verdict line, then each violation with its focus node, path, constraint and
    /// message; IRIs shortened with the contract's prefixes.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let short = |iri: &str| query::compact(&Term::NamedNode(NamedNode::new_unchecked(iri)));
        let _ = writeln!(
            s,
            "conforms: {} ({} constraint(s) checked, {} violation(s))",
            if self.conforms { "yes" } else { "no" },
            self.constraints,
            self.violations.len()
        );
        for v in &self.violations {
            let focus =
                if v.focus.starts_with('_') || v.focus.starts_with('"') { v.focus.clone() } else { short(&v.focus) };
            let _ = writeln!(s, "- focus:      {focus}");
            if let Some(p) = &v.path {
                let _ = writeln!(s, "  path:       {}", short(p));
            }
            let _ = writeln!(s, "  constraint: {} (shape {})", v.constraint, short(&v.shape));
            if let Some(value) = &v.value {
                let value = if value.contains("://") && !value.starts_with('"') { short(value) } else { value.clone() };
                let _ = writeln!(s, "  value:      {value}");
            }
            let _ = writeln!(s, "  message:    {}", v.message);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_compile() {
        let constraints = compile(SHAPES_TTL, &ClassHierarchy::of_ontology().unwrap()).unwrap();
        assert!(constraints.len() > 40, "{}", constraints.len());
        assert!(constraints.iter().any(|c| c.component == "sh:SPARQLConstraintComponent"));
    }

    #[test]
    fn unsupported_constraints_are_refused() {
        let ttl = "@prefix sh: <http://www.w3.org/ns/shacl#> . <s> a sh:NodeShape ; sh:targetClass <C> ; \
                   sh:property [ sh:path <p> ; sh:qualifiedMinCount 1 ] .";
        let ttl = ttl.replace("<s>", "<http://e/s>").replace("<C>", "<http://e/C>").replace("<p>", "<http://e/p>");
        assert!(matches!(compile(&ttl, &ClassHierarchy::default()), Err(ValidateError::Unsupported { .. })));
    }

    #[test]
    fn class_tests_include_subclasses_through_several_levels() {
        let ttl = "@prefix sh: <http://www.w3.org/ns/shacl#> .
            <http://e/s> a sh:NodeShape ; sh:targetClass <http://e/Top> ;
              sh:property [ sh:path <http://e/p> ; sh:class <http://e/Top> ] .";
        let store = KgStore::in_memory().unwrap();
        let data = "<http://e/Mid> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://e/Top> .
            <http://e/Low> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://e/Mid> .
            <http://e/a> a <http://e/Low> ; <http://e/p> <http://e/b> , <http://e/c> .
            <http://e/b> a <http://e/Mid> .
            <http://e/c> a <http://e/Other> .";
        store.oxigraph().load_from_slice(RdfFormat::Turtle, data.as_bytes()).unwrap();
        let classes = ClassHierarchy::of_store(&store).unwrap();
        let top = NamedNode::new_unchecked("http://e/Top");
        assert_eq!(classes.subclasses(&top).len(), 3);
        let report = validate(&store, &compile(ttl, &classes).unwrap()).unwrap();
        // <a> is a focus node (a Low is a Top); <b> is a Top, <c> is not.
        let values: Vec<_> = report.violations.iter().map(|v| (v.focus.as_str(), v.value.as_deref())).collect();
        assert_eq!(values, [("http://e/a", Some("http://e/c"))]);
    }

    #[test]
    fn the_ontology_graph_conforms() {
        let store = KgStore::in_memory().unwrap();
        store.install_ontology().unwrap();
        let report = validate_store(&store).unwrap();
        assert!(report.conforms, "{}", report.to_text());
    }
}
