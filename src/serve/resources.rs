//! What the store serves besides queries: the service description, the Graph Store (read-only) and
//! the `/id/...` resources.

use super::message::*;
use super::negotiate::{accept, content_type, graph_offers, negotiate, serialize_triples};
use super::pages::describe_html;
use super::protocol::{evaluation_error, evaluator, param, parse_named_node};
use super::Server;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Term, Triple};
use oxigraph::sparql::QueryResults;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

fn endpoint_iri(req: &Request) -> String {
    let host = req.header("Host").filter(|h| h.chars().all(|c| c.is_ascii_graphic())).unwrap_or("localhost");
    format!("http://{host}/sparql")
}

/// Parses Turtle we wrote ourselves and serializes it in the negotiated format.
fn rdf_response(req: &Request, params: &[(String, String)], turtle: &str) -> Response {
    let offers = graph_offers();
    let Some((media, format)) = negotiate(accept(req, params), &offers) else {
        return not_acceptable(&offers.iter().map(|(m, _)| *m).collect::<Vec<_>>());
    };
    let triples: Result<Vec<Triple>, _> =
        RdfParser::from_format(RdfFormat::Turtle).for_slice(turtle.as_bytes()).map(|q| q.map(Triple::from)).collect();
    match triples.map_err(internal_error).and_then(|t| serialize_triples(&t, format).map_err(internal_error)) {
        Ok(body) => Response::new(200, &content_type(&media), body).with_header("Vary", "Accept"),
        Err(r) => r,
    }
}

/// The SPARQL 1.1 Service Description of the endpoint.
pub(super) fn service_description(server: &Server, req: &Request) -> Response {
    let endpoint = endpoint_iri(req);
    let update = if server.config.writable { ", sd:SPARQL11Update" } else { "" };
    let ttl = format!(
        r#"@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{endpoint}> a sd:Service ;
  dcterms:title "policekg SPARQL endpoint" ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query{update} ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
    formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
  sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ;
    dcterms:description "the union of every document graph" ] ] .
"#
    );
    rdf_response(req, &[], &ttl)
}

/// Graph Store Protocol, reading: `?graph=IRI` (one document's graph) or `?default` (the union).
pub(super) fn graph_store_get(server: &Server, req: &Request, params: &[(String, String)]) -> Response {
    let limit = server.config.max_results;
    let graph = param(params, "graph");
    let default = params.iter().any(|(n, _)| n == "default");
    let triples: Vec<Triple> = match (graph, default) {
        (Some(_), true) => return bad_request("give either ?graph=IRI or ?default, not both"),
        (None, false) => {
            return bad_request("give ?graph=IRI (a document's graph) or ?default (the union of all graphs)")
        }
        (Some(iri), false) => {
            let g = match parse_named_node(iri, "graph") {
                Ok(g) => g,
                Err(r) => return r,
            };
            let store = server.store.oxigraph();
            match store.contains_named_graph(NamedOrBlankNodeRef::NamedNode(g.as_ref())) {
                Ok(true) => {}
                Ok(false) => return error(404, format!("no graph <{iri}> in this store")),
                Err(e) => return internal_error(e),
            }
            let mut out = Vec::new();
            for q in store.quads_for_pattern(None, None, None, Some(g.as_ref().into())) {
                if out.len() >= limit {
                    return too_many_results(limit);
                }
                match q {
                    Ok(q) => out.push(Triple::from(q)),
                    Err(e) => return internal_error(e),
                }
            }
            out
        }
        (None, true) => match construct(server, "CONSTRUCT WHERE { ?s ?p ?o }") {
            Ok(t) => t,
            Err(r) => return r,
        },
    };
    let offers = graph_offers();
    let Some((media, format)) = negotiate(accept(req, params), &offers) else {
        return not_acceptable(&offers.iter().map(|(m, _)| *m).collect::<Vec<_>>());
    };
    match serialize_triples(&triples, format) {
        Ok(body) => Response::new(200, &content_type(&media), body).with_header("Vary", "Accept"),
        Err(e) => internal_error(e),
    }
}

/// A CONSTRUCT over the union of all graphs, duplicates removed, under the timeout and the size limit.
pub(super) fn construct(server: &Server, sparql: &str) -> Result<Vec<Triple>, Response> {
    let limit = server.config.max_results;
    let watch = server.watchdog.watch(server.config.timeout);
    let mut prepared = evaluator(watch.token.clone()).parse_query(sparql).map_err(internal_error)?;
    prepared.dataset_mut().set_default_graph_as_union();
    let QueryResults::Graph(triples) =
        prepared.on_store(server.store.oxigraph()).execute().map_err(|e| evaluation_error(server, e))?
    else {
        return Err(internal_error("expected a CONSTRUCT"));
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in triples {
        let t = t.map_err(|e| evaluation_error(server, e))?;
        if seen.insert(t.clone()) {
            if out.len() >= limit {
                return Err(too_many_results(limit));
            }
            out.push(t);
        }
    }
    Ok(out)
}

/// One solution of a SELECT: variable name → term.
pub(super) type Row = HashMap<String, Term>;

/// A SELECT over the union of all graphs, under the timeout and the size limit.
fn select(server: &Server, sparql: &str) -> Result<Vec<Row>, Response> {
    let watch = server.watchdog.watch(server.config.timeout);
    let mut prepared = evaluator(watch.token.clone()).parse_query(sparql).map_err(internal_error)?;
    prepared.dataset_mut().set_default_graph_as_union();
    let QueryResults::Solutions(solutions) =
        prepared.on_store(server.store.oxigraph()).execute().map_err(|e| evaluation_error(server, e))?
    else {
        return Err(internal_error("expected a SELECT"));
    };
    let mut rows = Vec::new();
    for s in solutions.take(server.config.max_results) {
        let s = s.map_err(|e| evaluation_error(server, e))?;
        rows.push(s.iter().map(|(v, t)| (v.as_str().to_owned(), t.clone())).collect());
    }
    Ok(rows)
}

/// What an `/id/` page shows besides the triples: the labels of the things linked, and for an outcome
/// the row of its summary (value, unit, metric, agency, campaign, period, evidence, document).
pub(super) struct PageFacts {
    pub labels: HashMap<String, String>,
    pub outcome: Option<Row>,
}

/// The most linked things whose labels one page looks up.
const MAX_LABELLED: usize = 500;

fn page_facts(server: &Server, node: &NamedNode, triples: &[Triple]) -> Result<PageFacts, Response> {
    let mut linked: Vec<&NamedNode> = Vec::new();
    for t in triples {
        if let Term::NamedNode(o) = &t.object {
            linked.push(o);
        }
        if let NamedOrBlankNode::NamedNode(s) = &t.subject {
            linked.push(s);
        }
    }
    linked.sort();
    linked.dedup();
    linked.truncate(MAX_LABELLED);
    let values: String = linked.iter().map(|n| format!("{n} ")).collect();
    let rows =
        select(server, &format!("SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x rdfs:label|skos:prefLabel ?l }}"))?;
    let mut labels = HashMap::new();
    for row in rows {
        if let (Some(Term::NamedNode(x)), Some(Term::Literal(l))) = (row.get("x"), row.get("l")) {
            labels.entry(x.as_str().to_owned()).or_insert_with(|| l.value().to_owned());
        }
    }
    let is_outcome = triples.iter().any(|t| {
        t.subject.to_string() == node.to_string()
            && t.predicate.as_str() == RDF_TYPE
            && matches!(&t.object, Term::NamedNode(c) if c.as_str() == OUTCOME_CLASS)
    });
    let outcome = if is_outcome {
        select(server, &OUTCOME_SUMMARY.replace("?outcome", &node.to_string()))?.into_iter().next()
    } else {
        None
    };
    Ok(PageFacts { labels, outcome })
}

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const OUTCOME_CLASS: &str = "https://w3id.org/policekg/ns#Outcome";
/// An outcome's summary for its page (`?outcome` is replaced by the outcome's IRI).
const OUTCOME_SUMMARY: &str = include_str!("templates/outcome_summary.rq");

/// `/id/<rest>` → the instance IRI `<base><rest>`. Percent-escapes of non-ASCII characters are decoded
/// (browsers encode 荆门市公安局), escapes of ASCII delimiters are kept as the IRI has them (`%2F`).
pub fn id_path_to_iri(base: &str, rest: &str) -> String {
    let bytes = rest.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let b = h * 16 + l;
                if b >= 0x80 {
                    out.push(b);
                } else {
                    out.extend_from_slice(format!("%{b:02X}").as_bytes());
                }
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).unwrap_or_else(|_| rest.to_owned());
    // Characters the IRI minter escapes stay escaped (see `model::iri_segment`).
    let mut iri = String::from(base);
    for c in decoded.chars() {
        if c.is_whitespace()
            || c.is_control()
            || ('\u{E000}'..='\u{F8FF}').contains(&c)
            || ('\u{FFF0}'..='\u{FFFF}').contains(&c)
            || c == '\u{FEFF}'
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(iri, "%{b:02X}");
            }
        } else {
            iri.push(c);
        }
    }
    iri
}

/// GET /id/...: the resource's triples, both directions, as HTML for a browser or RDF otherwise.
pub(super) fn describe(server: &Server, req: &Request, rest: &str, params: &[(String, String)]) -> Response {
    let iri = id_path_to_iri(&server.config.base, rest);
    let Ok(node) = NamedNode::new(&iri) else {
        return bad_request(format!("<{iri}> is not a valid IRI"));
    };
    let sparql =
        format!("CONSTRUCT {{ {node} ?p ?o . ?s ?q {node} }} WHERE {{ {{ {node} ?p ?o }} UNION {{ ?s ?q {node} }} }}");
    let triples = match construct(server, &sparql) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if triples.is_empty() {
        return error(404, format!("nothing is known about <{iri}> in this store"));
    }
    let mut offers: Vec<(&str, Option<RdfFormat>)> = graph_offers().into_iter().map(|(m, f)| (m, Some(f))).collect();
    offers.insert(1, ("text/html", None));
    offers.insert(2, ("application/xhtml+xml", None));
    let Some((media, format)) = negotiate(accept(req, params), &offers) else {
        return not_acceptable(&offers.iter().map(|(m, _)| *m).collect::<Vec<_>>());
    };
    let response = match format {
        Some(format) => match serialize_triples(&triples, format) {
            Ok(body) => Response::new(200, &content_type(&media), body),
            Err(e) => internal_error(e),
        },
        None => match page_facts(server, &node, &triples) {
            Ok(facts) => Response::new(200, "text/html; charset=utf-8", describe_html(server, &node, &triples, &facts)),
            Err(r) => r,
        },
    };
    response.with_header("Vary", "Accept")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_paths_decode_chinese_and_keep_escaped_delimiters() {
        let base = "https://w3id.org/policekg/id/";
        assert_eq!(
            id_path_to_iri(base, "agency/%E8%8D%86%E9%97%A8%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80"),
            format!("{base}agency/荆门市公安局")
        );
        assert_eq!(id_path_to_iri(base, "agency/荆门市公安局"), format!("{base}agency/荆门市公安局"));
        assert_eq!(id_path_to_iri(base, "doc/a%2fb"), format!("{base}doc/a%2Fb"));
        assert_eq!(id_path_to_iri(base, "doc/a%20b"), format!("{base}doc/a%20b"));
    }
}
