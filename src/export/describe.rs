//! The description of an export, in its default graph: VoID and DCAT (what, how big, which vocabularies,
//! where to query it), PROV (the tool, its version, the documents) and the outcomes as a Data Cube dataset.

use super::rdf::sorted;
use super::scope::{check_date, graph_filter, literal, select_strings};
use super::{ExportError, ExportOptions, DCAT, SCHEMA, VOID};
use crate::model::Iris;
use crate::query;
use crate::store::KgStore;
use crate::vocab::{dcterms, pk, prov, qb, rdf, rdfs, xsd, ONTOLOGY_GRAPH};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};

/// The IRI of the dataset an export describes.
pub fn dataset_iri(iris: &Iris) -> NamedNode {
    NamedNode::new_unchecked(format!("{}dataset", iris.base()))
}

/// The description of an export of `graphs`, in the default graph.
pub fn describe(store: &KgStore, graphs: &[NamedNode], options: &ExportOptions) -> Result<Vec<Quad>, ExportError> {
    let everything = options.scope.is_everything();
    let filter = graph_filter(graphs, everything);
    let ds = dataset_iri(&options.iris);
    let n = |s: &str| NamedNode::new_unchecked(s);
    let void = |l: &str| n(&format!("{VOID}{l}"));
    let dcat = |l: &str| n(&format!("{DCAT}{l}"));
    let mut out = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNodeRef<'_>, o: Term| {
        out.push(Quad::new(s.clone(), p, o, GraphName::DefaultGraph));
    };
    let int = |i: usize| Term::from(Literal::new_typed_literal(i.to_string(), xsd::INTEGER));
    let version = env!("CARGO_PKG_VERSION");
    let tool = n(&format!("https://w3id.org/policekg/tool/{version}"));
    let activity = n(&format!("{}/export", ds.as_str()));
    let date = match &options.date {
        Some(d) => {
            check_date(d)?;
            d.clone()
        }
        None => build_date(),
    };

    add(&ds, rdf::TYPE, void("Dataset").into());
    add(&ds, rdf::TYPE, dcat("Dataset").into());
    add(&ds, rdf::TYPE, NamedNode::new_unchecked("http://www.w3.org/ns/prov#Entity").into());
    add(&ds, dcterms::TITLE, Literal::new_language_tagged_literal_unchecked("policekg knowledge graph", "en").into());
    add(&ds, dcterms::TITLE, Literal::new_language_tagged_literal_unchecked("policekg 公安新闻知识图谱", "zh").into());
    add(
        &ds,
        NamedNodeRef::new_unchecked("http://purl.org/dc/terms/description"),
        Literal::new_language_tagged_literal_unchecked(
            "Agencies, units, campaigns, operations and outcomes extracted from Chinese police news articles, each fact with its source document and evidence.",
            "en",
        )
        .into(),
    );
    add(&ds, dcterms::MODIFIED, Literal::new_typed_literal(&date, xsd::DATE).into());
    add(&ds, dcterms::ISSUED, Literal::new_typed_literal(&date, xsd::DATE).into());
    if let Some(l) = &options.license {
        let l = NamedNode::new(l.trim()).map_err(|e| ExportError::Option(format!("--license {l:?}: {e}")))?;
        add(&ds, NamedNodeRef::new_unchecked("http://purl.org/dc/terms/license"), l.into());
    }
    if let Some(e) = &options.endpoint {
        let e = NamedNode::new(e.trim()).map_err(|err| ExportError::Option(format!("--endpoint {e:?}: {err}")))?;
        add(&ds, void("sparqlEndpoint").as_ref(), e.clone().into());
        let service = n(&format!("{}/sparql-service", ds.as_str()));
        add(&ds, dcat("accessService").as_ref(), service.clone().into());
        add(&service, rdf::TYPE, dcat("DataService").into());
        add(&service, dcat("endpointURL").as_ref(), e.into());
        add(&service, dcat("servesDataset").as_ref(), ds.clone().into());
        add(
            &service,
            NamedNodeRef::new_unchecked("http://purl.org/dc/terms/conformsTo"),
            n("https://www.w3.org/TR/sparql11-protocol/").into(),
        );
    }
    add(&ds, void("uriSpace").as_ref(), Literal::new_simple_literal(options.iris.base()).into());
    for ns in [
        pk::NS,
        "http://www.w3.org/ns/org#",
        "http://www.w3.org/ns/prov#",
        "http://purl.org/linked-data/cube#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://purl.org/dc/terms/",
    ] {
        add(&ds, void("vocabulary").as_ref(), n(ns).into());
    }
    add(&ds, NamedNodeRef::new_unchecked("http://purl.org/dc/terms/conformsTo"), n(ONTOLOGY_GRAPH).into());
    if !everything {
        add(
            &ds,
            NamedNodeRef::new_unchecked("https://w3id.org/policekg/ns#scope"),
            Literal::new_simple_literal(options.scope.describe()).into(),
        );
    }

    // Provenance: the tool, its version, the export activity, the documents.
    add(&ds, prov::WAS_GENERATED_BY, activity.clone().into());
    add(&activity, rdf::TYPE, prov::ACTIVITY.into());
    add(&activity, prov::WAS_ASSOCIATED_WITH, tool.clone().into());
    add(&activity, rdfs::LABEL, Literal::new_simple_literal(format!("policekg export ({version})")).into());
    add(&tool, rdf::TYPE, prov::SOFTWARE_AGENT.into());
    add(&tool, rdf::TYPE, n(&format!("{SCHEMA}SoftwareApplication")).into());
    add(&tool, rdfs::LABEL, Literal::new_simple_literal(format!("policekg {version}")).into());
    add(&tool, n(&format!("{SCHEMA}softwareVersion")).as_ref(), Literal::new_simple_literal(version).into());
    add(&tool, n(&format!("{SCHEMA}license")).as_ref(), Literal::new_simple_literal("MIT OR Apache-2.0").into());
    add(&ds, dcterms::CREATOR, tool.clone().into());
    for g in graphs {
        add(&ds, prov::WAS_DERIVED_FROM, g.clone().into());
    }
    add(&ds, void("documents").as_ref(), int(graphs.len()));

    // Statistics.
    let count = |sparql: String| -> Result<usize, ExportError> {
        Ok(select_strings(store, &sparql)?.first().and_then(|v| v.parse().ok()).unwrap_or(0))
    };
    add(
        &ds,
        void("triples").as_ref(),
        int(count(format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {filter} }}"))?),
    );
    add(
        &ds,
        void("entities").as_ref(),
        int(count(format!("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {filter} }}"))?),
    );
    let classes = format!(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {filter} FILTER STRSTARTS(STR(?c), {}) }} GROUP BY ?c ORDER BY ?c",
        literal(pk::NS)
    );
    for row in query::select_terms(store, &classes)? {
        let (Some(Term::NamedNode(c)), Some(Term::Literal(k))) = (&row[0], &row[1]) else { continue };
        let local = c.as_str().strip_prefix(pk::NS).unwrap_or(c.as_str());
        let part = n(&format!("{}/class/{local}", ds.as_str()));
        add(&ds, void("classPartition").as_ref(), part.clone().into());
        add(&part, void("class").as_ref(), c.clone().into());
        add(&part, void("entities").as_ref(), int(k.value().parse().unwrap_or(0)));
    }

    // The outcomes as a Data Cube dataset.
    let cube = n(&format!("{}/outcomes", ds.as_str()));
    add(&cube, rdf::TYPE, qb::DATA_SET.into());
    add(
        &cube,
        NamedNodeRef::new_unchecked("http://purl.org/linked-data/cube#structure"),
        n(&format!("{}OutcomeStructure", pk::NS)).into(),
    );
    add(&cube, rdfs::LABEL, Literal::new_language_tagged_literal_unchecked("policekg outcomes", "en").into());
    add(&cube, rdfs::LABEL, Literal::new_language_tagged_literal_unchecked("战果数据集", "zh").into());
    add(&cube, NamedNodeRef::new_unchecked("http://purl.org/dc/terms/isPartOf"), ds.clone().into());
    Ok(out)
}

/// `<outcome> qb:dataSet <…/dataset/outcomes>` for the outcomes among a document's quads (default graph),
/// written after each document so that the description never holds every outcome in memory.
pub(super) fn cube_links(quads: &[Quad], iris: &Iris) -> Vec<Quad> {
    let cube = NamedNode::new_unchecked(format!("{}/outcomes", dataset_iri(iris).as_str()));
    let links = quads
        .iter()
        .filter(|q| q.predicate.as_ref() == rdf::TYPE && q.object == Term::NamedNode(pk::OUTCOME.into_owned()))
        .map(|q| Quad::new(q.subject.clone(), qb::DATA_SET_PROP, cube.clone(), GraphName::DefaultGraph))
        .collect();
    sorted(links)
}

/// Today's date (UTC), or the date of `SOURCE_DATE_EPOCH` (reproducible builds), as `YYYY-MM-DD`.
pub fn build_date() -> String {
    let secs =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        });
    civil_date(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (H. Hinnant's algorithm).
pub(super) fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_000), "2022-01-08");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
