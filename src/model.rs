//! The model stage: typed facts in, RDF quads out.
//!
//! Instance IRIs are derived from canonical keys only (kind + canonical label, document id + position), so
//! the same entity from any document, run or machine gets the same IRI, and graphs from different runs
//! merge. What a document states goes into the document's own named graph (the document's IRI), so
//! re-building a document replaces exactly its facts; the description of the shared entities it mentions
//! goes into one entities graph (see [`Iris::entities_graph`]).

use crate::dedup::Signature;
use crate::facts::{normalise_decimal, OutcomeIdentity};
use crate::vocab::{dcterms, org, pk, prov, qb, rdf, rdfs, skos, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use policekg_extract::{AgencyLevel, Article, Comparison, Direction, Evidence, Extraction};
use sha2::{Digest, Sha256};

/// Mints instance IRIs under a base (default [`crate::vocab::DEFAULT_BASE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iris {
    base: String,
}

impl Default for Iris {
    fn default() -> Self {
        Self { base: crate::vocab::DEFAULT_BASE.to_owned() }
    }
}

/// The base IRI given by a user is not an absolute IRI.
#[derive(Debug, thiserror::Error)]
#[error("invalid base IRI <{base}>: {reason}")]
pub struct InvalidBase {
    pub base: String,
    pub reason: String,
}

impl Iris {
    /// A minter under `base`, which must be an absolute IRI; a missing final `/` is added.
    pub fn new(base: &str) -> Result<Self, InvalidBase> {
        let mut base = base.trim().to_owned();
        if !base.ends_with('/') && !base.ends_with('#') {
            base.push('/');
        }
        NamedNode::new(format!("{base}x")).map_err(|e| InvalidBase { base: base.clone(), reason: e.to_string() })?;
        Ok(Self { base })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn mint(&self, kind: &str, key: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{kind}/{}", self.base, iri_segment(key)))
    }

    pub fn document(&self, id: &str) -> NamedNode {
        self.mint("doc", id)
    }
    pub fn agency(&self, label: &str) -> NamedNode {
        self.mint("agency", label)
    }
    pub fn unit(&self, label: &str) -> NamedNode {
        self.mint("unit", label)
    }
    pub fn campaign(&self, label: &str) -> NamedNode {
        self.mint("campaign", &campaign_key(label))
    }
    /// A place by its GB/T 2260 code when known (names repeat across provinces), else by label.
    pub fn place(&self, label: &str, adcode: Option<&str>) -> NamedNode {
        match adcode {
            Some(code) => self.mint("place", code),
            None => self.mint("place", label),
        }
    }
    /// The named graph that describes shared entities (agencies, units, campaigns, places, crime types):
    /// written by every document that mentions them, removed with none.
    pub fn entities_graph(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}graph/entities", self.base))
    }
    /// The named graph of re-post links (`pk:duplicateOf`), kept up to date by build and remove.
    pub fn versions_graph(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}graph/versions", self.base))
    }
    /// The named graph of the views' stamp (`pk:viewsStamp`, src/views), kept by build and remove.
    pub fn views_graph(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}graph/views", self.base))
    }
    pub fn crime_type(&self, label: &str) -> NamedNode {
        self.mint("crime", label)
    }
    /// A node that lives inside one document: `doc/<id>/<kind>/<n>`.
    fn in_document(&self, doc_id: &str, kind: &str, n: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}doc/{}/{kind}/{n}", self.base, iri_segment(doc_id)))
    }
    /// An agency or unit by canonical label: units end with a unit kind, agencies with 公安部/厅/局.
    pub(crate) fn organisation(&self, label: &str, x: &Extraction) -> NamedNode {
        if x.units.iter().any(|u| u.label == label) {
            self.unit(label)
        } else {
            self.agency(label)
        }
    }
}

/// The IRI of a metric concept of `pk:MetricScheme` (contract section 5), e.g. `pk:metric_cases_solved`.
pub fn metric_iri(code: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}metric_{}", pk::NS, iri_segment(code)))
}

/// Campaign identity: the label without quotation marks, spaces or joiners, so that 云剑-2020, 云剑2020
/// and “云剑-2020” are one node.
pub fn campaign_key(label: &str) -> String {
    label.chars().filter(|c| !c.is_whitespace() && !"\"'“”‘’「」『』《》".contains(*c)).collect()
}

/// Percent-encodes what may not stand in an IRI path segment; Chinese stays readable.
pub fn iri_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        let escape = c.is_control()
            || c.is_whitespace()
            || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`' | '/' | '?' | '#' | '%' | '[' | ']')
            || ('\u{E000}'..='\u{F8FF}').contains(&c)
            || ('\u{FFF0}'..='\u{FFFF}').contains(&c)
            || c == '\u{FEFF}'
            // Not IRI characters outside a query (RFC 3987 ucschar): noncharacters, tags, private use.
            || ('\u{FDD0}'..='\u{FDEF}').contains(&c)
            || (c as u32) & 0xFFFE == 0xFFFE
            || ('\u{E0000}'..='\u{E0FFF}').contains(&c)
            || c >= '\u{F0000}';
        if escape {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A fingerprint of everything extraction reads from an article, so an unchanged document can be skipped.
pub fn content_hash(article: &Article) -> String {
    let mut h = Sha256::new();
    for part in [
        Some(article.id.as_str()),
        article.title.as_deref(),
        article.date.as_deref(),
        article.source.as_deref(),
        article.author.as_deref(),
        Some(article.body.as_str()),
    ] {
        let part = part.unwrap_or("\u{0}");
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Bytes in lower-case hexadecimal (digests in IRIs and stamps).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// All quads of one document: its statements in its own named graph, and its share of the entities graph.
pub struct DocumentGraph {
    pub id: String,
    pub graph: NamedNode,
    pub quads: Vec<Quad>,
    /// What fact identity and re-post detection need (see [`crate::facts`]).
    pub identity: DocumentIdentity,
    /// Quads to remove from the store when this document is written (links it stated before).
    pub retract: Vec<Quad>,
}

/// What decides a document's facts and its re-posts: its date, text signature and outcomes.
#[derive(Debug, Clone, Default)]
pub struct DocumentIdentity {
    pub date: Option<String>,
    pub signature: Option<Signature>,
    pub outcomes: Vec<OutcomeIdentity>,
}

/// Builds the quads of one document from its article and extraction.
pub fn document_graph(iris: &Iris, article: &Article, x: &Extraction, extractor_version: &str) -> DocumentGraph {
    let doc = iris.document(&article.id);
    let mut g = GraphWriter {
        graph: GraphName::NamedNode(doc.clone()),
        shared: GraphName::NamedNode(iris.entities_graph()),
        quads: Vec::new(),
    };

    g.add(&doc, rdf::TYPE, pk::DOCUMENT);
    g.add(&doc, dcterms::IDENTIFIER, Literal::new_simple_literal(&article.id));
    if let Some(t) = &article.title {
        g.add(&doc, dcterms::TITLE, Literal::new_simple_literal(t));
    }
    if let Some(d) = &article.date {
        g.add(&doc, dcterms::ISSUED, date_literal(d));
    }
    if let Some(s) = &article.source {
        match NamedNode::new(s.trim()) {
            Ok(url) => g.add(&doc, dcterms::SOURCE, url),
            Err(_) => g.add(&doc, dcterms::SOURCE, Literal::new_simple_literal(s)),
        }
    }
    if let Some(a) = &article.author {
        g.add(&doc, dcterms::CREATOR, Literal::new_simple_literal(a));
    }
    g.add(&doc, pk::CONTENT_HASH, Literal::new_simple_literal(content_hash(article)));
    g.add(&doc, pk::EXTRACTOR_VERSION, Literal::new_simple_literal(extractor_version));
    let signature = Signature::of_text(&article.simplified);
    if let Some(sig) = &signature {
        g.add(&doc, pk::MINHASH, Literal::new_simple_literal(sig.values_literal()));
        for band in &sig.bands {
            g.add(&doc, pk::LSH_BAND, Literal::new_simple_literal(band.to_literal()));
        }
    }
    let mut identity = DocumentIdentity { date: article.date.clone(), signature, outcomes: Vec::new() };

    for p in &x.places {
        let place = iris.place(&p.label, p.adcode.as_deref());
        g.share(&place, rdf::TYPE, pk::PLACE);
        g.share(&place, rdfs::LABEL, Literal::new_simple_literal(&p.label));
        g.alt_labels(&place, &p.label, &p.alt_labels);
        if let Some(code) = &p.adcode {
            g.share(&place, pk::ADCODE, Literal::new_simple_literal(code));
        }
        if let Some(w) = &p.within {
            let within = x.places.iter().find(|q| &q.label == w);
            g.share(&place, pk::WITHIN, iris.place(w, within.and_then(|q| q.adcode.as_deref())));
        }
        g.add(&place, pk::MENTIONED_IN, &doc);
    }

    for a in &x.agencies {
        let agency = iris.agency(&a.label);
        g.share(&agency, rdf::TYPE, pk::AGENCY);
        g.share(&agency, rdf::TYPE, org::FORMAL_ORGANIZATION);
        g.share(&agency, rdfs::LABEL, Literal::new_simple_literal(&a.label));
        g.alt_labels(&agency, &a.label, &a.alt_labels);
        g.share(&agency, pk::LEVEL, level_iri(a.level));
        if let Some(parent) = &a.parent {
            g.share(&agency, org::SUB_ORGANIZATION_OF, iris.agency(parent));
        }
        if let Some(j) = &a.jurisdiction {
            let place = x.places.iter().find(|p| &p.label == j);
            g.share(&agency, pk::JURISDICTION, iris.place(j, place.and_then(|p| p.adcode.as_deref())));
        }
        if a.mentioned {
            g.add(&agency, pk::MENTIONED_IN, &doc);
            g.evidence(iris, &article.id, &agency, &a.evidence);
        }
    }

    for u in &x.units {
        let unit = iris.unit(&u.label);
        g.share(&unit, rdf::TYPE, pk::UNIT);
        g.share(&unit, rdf::TYPE, org::ORGANIZATIONAL_UNIT);
        g.share(&unit, rdfs::LABEL, Literal::new_simple_literal(&u.label));
        let mut alts = u.alt_labels.clone();
        if u.name != u.label {
            alts.push(u.name.clone());
        }
        g.alt_labels(&unit, &u.label, &alts);
        if let Some(parent) = &u.parent {
            let parent = iris.organisation(parent, x);
            g.share(&unit, org::SUB_ORGANIZATION_OF, &parent);
            g.share(&unit, org::UNIT_OF, &parent);
        }
        g.add(&unit, pk::MENTIONED_IN, &doc);
        g.evidence(iris, &article.id, &unit, &u.evidence);
    }

    for c in &x.campaigns {
        let campaign = iris.campaign(&c.label);
        g.share(&campaign, rdf::TYPE, pk::CAMPAIGN);
        g.share(&campaign, rdf::TYPE, prov::ACTIVITY);
        g.share(&campaign, rdfs::LABEL, Literal::new_simple_literal(&c.label));
        g.alt_labels(&campaign, &c.label, &c.alt_labels);
        if let Some(parent) = &c.part_of {
            g.share(&campaign, pk::PART_OF, iris.campaign(parent));
        }
        for o in &c.organizers {
            g.share(&campaign, pk::ORGANIZED_BY, iris.organisation(o, x));
        }
        for p in &c.participants {
            g.share(&campaign, pk::PARTICIPANT, iris.organisation(p, x));
        }
        if let Some(d) = &c.period_start {
            g.share(&campaign, pk::PERIOD_START, date_literal(d));
        }
        if let Some(d) = &c.period_end {
            g.share(&campaign, pk::PERIOD_END, date_literal(d));
        }
        g.add(&campaign, pk::MENTIONED_IN, &doc);
        g.evidence(iris, &article.id, &campaign, &c.evidence);
    }

    let operations: Vec<NamedNode> =
        (0..x.operations.len()).map(|i| iris.in_document(&article.id, "operation", &(i + 1).to_string())).collect();
    for (op, node) in x.operations.iter().zip(&operations) {
        g.add(node, rdf::TYPE, pk::OPERATION);
        g.add(node, rdf::TYPE, prov::ACTIVITY);
        g.add(node, rdfs::LABEL, Literal::new_simple_literal(&op.label));
        if let Some(d) = &op.date {
            g.add(node, pk::DATE, date_literal(d));
        }
        for by in &op.conducted_by {
            g.add(node, pk::CONDUCTED_BY, iris.organisation(by, x));
        }
        if let Some(c) = &op.part_of {
            g.add(node, pk::PART_OF, iris.campaign(c));
        }
        if let Some(l) = &op.location {
            let place = x.places.iter().find(|p| &p.label == l);
            g.add(node, pk::LOCATION, iris.place(l, place.and_then(|p| p.adcode.as_deref())));
        }
        g.add(node, prov::WAS_DERIVED_FROM, &doc);
        g.add(node, pk::MENTIONED_IN, &doc);
        g.evidence(iris, &article.id, node, std::slice::from_ref(&op.evidence));
    }

    for (i, o) in x.outcomes.iter().enumerate() {
        let node = iris.in_document(&article.id, "outcome", &(i + 1).to_string());
        identity.outcomes.push(outcome_identity(iris, x, &node, o));
        let metric = metric_iri(&o.metric);
        g.add(&node, rdf::TYPE, pk::OUTCOME);
        g.add(&node, rdf::TYPE, qb::OBSERVATION);
        g.add(&node, pk::METRIC_PROP, &metric);
        g.add(&node, pk::VALUE, Literal::new_typed_literal(&o.value, xsd::DECIMAL));
        g.add(&node, pk::UNIT_PROP, Literal::new_simple_literal(o.unit.code()));
        g.add(&node, pk::UNIT_TEXT, Literal::new_simple_literal(&o.unit_text));
        g.add(&node, pk::APPROXIMATE, Literal::from(o.approximate));
        if let Some(a) = &o.attributed_to {
            g.add(&node, pk::ATTRIBUTED_TO, iris.organisation(a, x));
        }
        if let Some(c) = &o.campaign {
            g.add(&node, pk::CAMPAIGN_PROP, iris.campaign(c));
        }
        if let Some(op) = o.operation.and_then(|i| operations.get(i)) {
            g.add(&node, pk::OPERATION_PROP, op);
        }
        if let Some(c) = &o.crime_type {
            let crime = iris.crime_type(c);
            g.add(&node, pk::CRIME_TYPE_PROP, &crime);
            g.share(&crime, rdf::TYPE, skos::CONCEPT);
            g.share(&crime, skos::PREF_LABEL, Literal::new_simple_literal(c));
            g.share(&crime, skos::IN_SCHEME, pk::CRIME_TYPE_SCHEME);
        }
        if let Some(d) = &o.period_start {
            g.add(&node, pk::PERIOD_START, date_literal(d));
        }
        if let Some(d) = &o.period_end {
            g.add(&node, pk::PERIOD_END, date_literal(d));
        }
        if let Some(d) = o.direction {
            g.add(&node, pk::DIRECTION, Literal::new_simple_literal(direction_code(d)));
        }
        if let Some(c) = o.comparison {
            g.add(&node, pk::COMPARISON, Literal::new_simple_literal(comparison_code(c)));
        }
        g.add(&node, prov::WAS_DERIVED_FROM, &doc);
        g.evidence(iris, &article.id, &node, std::slice::from_ref(&o.evidence));
    }

    DocumentGraph { id: article.id.clone(), graph: doc, quads: g.quads, identity, retract: Vec::new() }
}

fn outcome_identity(iris: &Iris, x: &Extraction, node: &NamedNode, o: &policekg_extract::Outcome) -> OutcomeIdentity {
    OutcomeIdentity {
        node: node.clone(),
        metric: o.metric.clone(),
        unit: o.unit.code().to_owned(),
        value: normalise_decimal(&o.value),
        agency: o.attributed_to.as_ref().map(|a| iris.organisation(a, x)),
        campaign: o.campaign.as_ref().map(|c| iris.campaign(c)),
        crime_type: o.crime_type.clone(),
        direction: o.direction.map(direction_code),
        comparison: o.comparison.map(comparison_code),
        period_start: o.period_start.clone(),
        period_end: o.period_end.clone(),
    }
}

fn direction_code(d: Direction) -> &'static str {
    match d {
        Direction::Increase => "increase",
        Direction::Decrease => "decrease",
    }
}

fn comparison_code(c: Comparison) -> &'static str {
    match c {
        Comparison::YearOverYear => "year-over-year",
        Comparison::PeriodOverPeriod => "period-over-period",
    }
}

fn level_iri(level: AgencyLevel) -> NamedNodeRef<'static> {
    match level {
        AgencyLevel::National => pk::NATIONAL,
        AgencyLevel::Provincial => pk::PROVINCIAL,
        AgencyLevel::Prefectural => pk::PREFECTURAL,
        AgencyLevel::County => pk::COUNTY,
    }
}

/// `YYYY-MM-DD` as xsd:date, `YYYY-MM` as xsd:gYearMonth, anything else as a plain string.
fn date_literal(d: &str) -> Literal {
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10) {
        Literal::new_typed_literal(d, xsd::DATE)
    } else if b.len() == 7 && b[4] == b'-' && digits(0..4) && digits(5..7) {
        Literal::new_typed_literal(d, xsd::G_YEAR_MONTH)
    } else {
        Literal::new_simple_literal(d)
    }
}

/// What may stand as an object: nodes (owned or borrowed) and literals.
trait ObjectTerm {
    fn into_term(self) -> Term;
}
impl ObjectTerm for &NamedNode {
    fn into_term(self) -> Term {
        self.clone().into()
    }
}
impl ObjectTerm for NamedNode {
    fn into_term(self) -> Term {
        self.into()
    }
}
impl ObjectTerm for NamedNodeRef<'_> {
    fn into_term(self) -> Term {
        self.into_owned().into()
    }
}
impl ObjectTerm for Literal {
    fn into_term(self) -> Term {
        self.into()
    }
}

/// Writes a document's quads: its own statements into its graph, the description of shared entities
/// (types, labels, levels, parent links) into the entities graph. A shared entity's description is then
/// stated once, not once per document that mentions it, so the union default graph holds each such
/// triple once and joins over it stay fast however many documents there are.
struct GraphWriter {
    graph: GraphName,
    shared: GraphName,
    quads: Vec<Quad>,
}

impl GraphWriter {
    fn share(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: impl ObjectTerm) {
        self.quads.push(Quad::new(s.clone(), p, o.into_term(), self.shared.clone()));
    }

    fn add(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: impl ObjectTerm) {
        self.quads.push(Quad::new(s.clone(), p, o.into_term(), self.graph.clone()));
    }

    fn alt_labels(&mut self, s: &NamedNode, label: &str, alts: &[String]) {
        let mut seen = std::collections::BTreeSet::new();
        for alt in alts {
            if alt != label && seen.insert(alt.as_str()) {
                self.share(s, skos::ALT_LABEL, Literal::new_simple_literal(alt));
            }
        }
    }

    /// `s pk:evidence e`; `e` a pk:Evidence with the verbatim clause and its character offsets.
    fn evidence(&mut self, iris: &Iris, doc_id: &str, s: &NamedNode, evidence: &[Evidence]) {
        for e in evidence {
            let node = iris.in_document(doc_id, "evidence", &format!("{}-{}", e.start, e.end));
            self.add(s, pk::EVIDENCE_PROP, &node);
            self.add(&node, rdf::TYPE, pk::EVIDENCE);
            self.add(&node, pk::TEXT, Literal::new_simple_literal(&e.text));
            self.add(&node, pk::START, Literal::new_typed_literal(e.start.to_string(), xsd::INTEGER));
            self.add(&node, pk::END, Literal::new_typed_literal(e.end.to_string(), xsd::INTEGER));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iri_segments_keep_chinese_and_escape_delimiters() {
        assert_eq!(iri_segment("荆门市公安局"), "荆门市公安局");
        assert_eq!(iri_segment("a b/c#d"), "a%20b%2Fc%23d");
        assert_eq!(iri_segment("7·25专项行动"), "7·25专项行动");
        // Found by tests/fuzz.rs: U+10FFFF made an IRI that N-Quads parsers reject.
        for odd in ["\u{10FFFF}", "\u{FDD0}", "\u{1FFFE}", "\u{E0001}", "\u{F0000}"] {
            let iri = format!("https://w3id.org/policekg/id/agency/{}", iri_segment(odd));
            assert!(NamedNode::new(&iri).is_ok(), "{odd:?} escaped to a valid IRI: {iri}");
        }
    }

    #[test]
    fn campaign_iri_ignores_quotes_and_spaces() {
        let iris = Iris::default();
        assert_eq!(iris.campaign("“云剑-2020”"), iris.campaign("云剑-2020"));
        assert_ne!(iris.campaign("云剑-2020"), iris.campaign("云剑-2021"));
    }

    #[test]
    fn base_must_be_absolute() {
        assert!(Iris::new("not an iri").is_err());
        assert_eq!(Iris::new("http://example.org/kg").unwrap().base(), "http://example.org/kg/");
    }

    #[test]
    fn dates_get_the_right_datatype() {
        assert_eq!(date_literal("2022-02-24").datatype(), xsd::DATE);
        assert_eq!(date_literal("2022-02").datatype(), xsd::G_YEAR_MONTH);
        assert_eq!(date_literal("春节前").datatype(), xsd::STRING);
    }

    #[test]
    fn content_hash_changes_with_body_only_when_it_changes() {
        let a = Article { id: "a".into(), body: "破获案件3起".into(), ..Default::default() };
        let mut b = a.clone();
        assert_eq!(content_hash(&a), content_hash(&b));
        b.body.push('。');
        assert_ne!(content_hash(&a), content_hash(&b));
    }
}
