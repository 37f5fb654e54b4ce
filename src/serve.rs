//! The serve stage: the store over HTTP.
//!
//! - the W3C SPARQL 1.1 Protocol at `/sparql` (GET, POST form-encoded, POST `application/sparql-query`),
//!   with `default-graph-uri`/`named-graph-uri`, results negotiated as SPARQL JSON, XML, CSV or TSV and
//!   graphs as Turtle, N-Triples, JSON-LD or RDF/XML; a service description when `/sparql` is read
//!   without a query;
//! - the SPARQL 1.1 Graph Store Protocol for reading graphs at `/store?graph=IRI` and `/store?default`;
//! - dereferenceable instance IRIs: `/id/...` describes `<BASE...>` as HTML to a browser and as
//!   Turtle or JSON-LD to other clients;
//! - a query page at `/` with the named queries as examples.
//!
//! The store is read-only unless [`Config::writable`] allows SPARQL Update. Every query runs under a
//! timeout (an Oxigraph [`CancellationToken`] cancelled by one watchdog thread) and a result-size limit.
//!
//! [`handle`] is the whole server as a function from [`Request`] to [`Response`], so it is tested
//! in-process without a socket; [`run`] puts it behind `tiny_http` with a pool of worker threads.

use crate::query::{self, compact};
use crate::store::KgStore;
use crate::vocab::{DEFAULT_BASE, PREFIXES};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Term, Triple};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Where `policekg serve` listens unless told otherwise: loopback only.
pub const DEFAULT_BIND: &str = "127.0.0.1:7878";
/// How long one query may run before it is cancelled.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How many solutions (or triples) one response may hold.
pub const DEFAULT_MAX_RESULTS: usize = 100_000;
/// The largest request body accepted (a query or an update).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// How often idle workers look at the shutdown flag.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Allow SPARQL Update (otherwise every update is refused with 403).
    pub writable: bool,
    /// Per-query time limit.
    pub timeout: Duration,
    /// Per-response limit on solutions or triples.
    pub max_results: usize,
    /// Base of instance IRIs: `/id/x` describes `<base + x>`.
    pub base: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            writable: false,
            timeout: DEFAULT_TIMEOUT,
            max_results: DEFAULT_MAX_RESULTS,
            base: DEFAULT_BASE.to_owned(),
        }
    }
}

/// The server state shared by the worker threads: the store, the settings and the query watchdog.
pub struct Server {
    store: KgStore,
    config: Config,
    watchdog: Watchdog,
}

impl Server {
    pub fn new(store: KgStore, config: Config) -> Self {
        Self { store, config, watchdog: Watchdog::start() }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &KgStore {
        &self.store
    }
}

/// An HTTP request as the handler sees it (built from `tiny_http`, or by hand in tests).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// Path and query string, as sent (percent-encoded).
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(url: &str) -> Self {
        Self { method: "GET".into(), url: url.into(), ..Self::default() }
    }

    pub fn post(url: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            method: "POST".into(),
            url: url.into(),
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An HTTP response: status, headers, body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self { status, headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
    }

    fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------------
// Errors: one small helper each, so every refusal says what happened and what to do.

fn error(status: u16, message: impl Into<String>) -> Response {
    let mut m = message.into();
    m.push('\n');
    Response::new(status, "text/plain; charset=utf-8", m)
}

fn bad_request(message: impl Into<String>) -> Response {
    error(400, message)
}

fn not_found(what: &str) -> Response {
    error(404, format!("{what}: not found. The query endpoint is /sparql, the query page is /, graphs are at /store?graph=IRI and resources at /id/..."))
}

fn method_not_allowed(method: &str, path: &str, allowed: &str) -> Response {
    error(405, format!("{method} is not allowed on {path} (allowed: {allowed})")).with_header("Allow", allowed)
}

fn the_server_is_read_only() -> Response {
    error(403, "the server is read-only: start it with `policekg serve --writable` to allow SPARQL Update")
}

fn not_acceptable(offered: &[&str]) -> Response {
    error(406, format!("none of the media types in Accept can be served here; available: {}", offered.join(", ")))
}

fn unsupported_media_type(ct: &str) -> Response {
    error(
        415,
        format!("unsupported Content-Type {ct:?}: send application/sparql-query, application/sparql-update or application/x-www-form-urlencoded"),
    )
}

fn payload_too_large() -> Response {
    error(413, format!("the request body is larger than {MAX_BODY_BYTES} bytes"))
}

fn too_many_results(limit: usize) -> Response {
    error(400, format!("the result has more than {limit} rows or triples (the server's --max-results): add a LIMIT, or ask for a smaller part"))
}

fn timed_out(timeout: Duration) -> Response {
    error(
        503,
        format!("the query ran longer than {}s (the server's --timeout) and was cancelled", timeout.as_secs_f64()),
    )
}

fn internal_error(e: impl std::fmt::Display) -> Response {
    error(500, format!("internal error: {e}"))
}

// ---------------------------------------------------------------------------------------------------
// Routing

/// Answers one request. Never panics on client input; CORS headers are added to every response.
pub fn handle(server: &Server, req: &Request) -> Response {
    let response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(server, req)))
        .unwrap_or_else(|_| internal_error("the request handler panicked"));
    with_cors(response)
}

fn with_cors(r: Response) -> Response {
    r.with_header("Access-Control-Allow-Origin", "*")
        .with_header("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS")
        .with_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        .with_header("Access-Control-Expose-Headers", "Content-Type")
}

fn route(server: &Server, req: &Request) -> Response {
    let (path, query_string) = req.url.split_once('?').unwrap_or((req.url.as_str(), ""));
    let params = parse_form(query_string);
    match (req.method.as_str(), path) {
        ("OPTIONS", _) => Response::new(204, "text/plain", Vec::new()).with_header("Access-Control-Max-Age", "86400"),
        ("GET" | "HEAD", "/") if param(&params, "query").is_some() => sparql_get(server, req, &params),
        ("GET" | "HEAD", "/") => query_page(server),
        ("GET" | "HEAD", "/sparql") if param(&params, "query").is_some() => sparql_get(server, req, &params),
        ("GET" | "HEAD", "/sparql") if param(&params, "update").is_some() => {
            bad_request("updates must be sent with POST (SPARQL 1.1 Protocol, section 2.2)")
        }
        ("GET" | "HEAD", "/sparql") => service_description(server, req),
        ("POST", "/sparql" | "/update" | "/") => sparql_post(server, req, params),
        ("GET" | "HEAD", "/store") => graph_store_get(server, req, &params),
        (_, "/store") => method_not_allowed(&req.method, path, "GET, HEAD (the Graph Store is served read-only)"),
        ("GET" | "HEAD", p) if p.starts_with("/id/") => describe(server, req, &p["/id/".len()..]),
        ("GET" | "HEAD", "/favicon.ico") => Response::new(204, "image/x-icon", Vec::new()),
        (_, "/" | "/sparql") => method_not_allowed(&req.method, path, "GET, POST, HEAD, OPTIONS"),
        _ => not_found(path),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn params_all<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
}

fn sparql_get(server: &Server, req: &Request, params: &[(String, String)]) -> Response {
    let query = param(params, "query").unwrap_or_default();
    run_query(server, req, query, params)
}

fn sparql_post(server: &Server, req: &Request, mut params: Vec<(String, String)>) -> Response {
    let content_type = req.header("Content-Type").unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let Ok(body) = std::str::from_utf8(&req.body) else {
        return bad_request("the request body is not UTF-8");
    };
    match mime.as_str() {
        "application/sparql-query" => run_query(server, req, body, &params),
        "application/sparql-update" => run_update(server, body),
        "application/x-www-form-urlencoded" => {
            params.extend(parse_form(body));
            if let Some(q) = param(&params, "query") {
                run_query(server, req, q, &params)
            } else if let Some(u) = param(&params, "update") {
                run_update(server, u)
            } else {
                bad_request("the form has neither a `query` nor an `update` parameter")
            }
        }
        "" => bad_request("POST needs a Content-Type: application/sparql-query, application/sparql-update or application/x-www-form-urlencoded"),
        other => unsupported_media_type(other),
    }
}

// ---------------------------------------------------------------------------------------------------
// Queries

/// The evaluator every request uses: the contract's prefixes predeclared, cancelled by `token`.
fn evaluator(token: Option<CancellationToken>) -> SparqlEvaluator {
    let mut e = SparqlEvaluator::new();
    for (p, ns) in PREFIXES {
        e = e.with_prefix(*p, *ns).expect("the contract's prefixes are valid");
    }
    match token {
        Some(t) => e.with_cancellation_token(t),
        None => e,
    }
}

/// Results formats, server preference first.
const RESULTS_OFFERS: &[(&str, QueryResultsFormat)] = &[
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("application/xml", QueryResultsFormat::Xml),
    ("text/xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
];

/// Graph formats, server preference first.
fn graph_offers() -> Vec<(&'static str, RdfFormat)> {
    vec![
        ("text/turtle", RdfFormat::Turtle),
        ("application/x-turtle", RdfFormat::Turtle),
        ("application/turtle", RdfFormat::Turtle),
        ("application/n-triples", RdfFormat::NTriples),
        ("text/plain", RdfFormat::NTriples),
        ("application/ld+json", RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() }),
        ("application/rdf+xml", RdfFormat::RdfXml),
    ]
}

/// `format=` parameter short names, for links and curl users.
fn format_param(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        // Tools such as SPARQLWrapper send `format=json` or `format=xml` for every query form.
        "json" => "application/sparql-results+json, application/ld+json",
        "srj" => "application/sparql-results+json",
        "xml" => "application/sparql-results+xml, application/rdf+xml",
        "srx" => "application/sparql-results+xml",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "turtle" | "ttl" => "text/turtle",
        "ntriples" | "nt" => "application/n-triples",
        "jsonld" | "json-ld" => "application/ld+json",
        "rdfxml" | "rdf" => "application/rdf+xml",
        "html" => "text/html",
        _ => return None,
    })
}

/// The Accept header, unless a `format=` parameter overrides it.
fn accept<'a>(req: &'a Request, params: &[(String, String)]) -> Option<&'a str> {
    if let Some(f) = param(params, "format").and_then(format_param) {
        return Some(f);
    }
    req.header("Accept")
}

/// Content negotiation: the offer the Accept header likes best (ties go to the first offer); `None`
/// when it accepts none of them. A missing or empty Accept accepts the first offer.
pub fn negotiate<T: Clone>(accept: Option<&str>, offers: &[(&str, T)]) -> Option<(String, T)> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return offers.first().map(|(m, t)| ((*m).to_owned(), t.clone()));
    };
    // (type, subtype, q)
    let ranges: Vec<(String, String, f32)> = accept
        .split(',')
        .filter_map(|r| {
            let mut parts = r.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let (t, s) = media.split_once('/')?;
            let mut q = 1.0;
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = v.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            Some((t.trim().to_owned(), s.trim().to_owned(), q))
        })
        .collect();
    let mut best: Option<(f32, usize)> = None;
    for (i, (media, _)) in offers.iter().enumerate() {
        let (ot, os) = media.split_once('/').unwrap_or((media, ""));
        // The most specific matching range decides the quality of this offer.
        let q = ranges
            .iter()
            .filter_map(|(t, s, q)| {
                let specificity = if t == ot && s == os {
                    2
                } else if t == ot && s == "*" {
                    1
                } else if t == "*" && s == "*" {
                    0
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by_key(|(spec, _)| *spec)
            .map(|(_, q)| q);
        if let Some(q) = q.filter(|q| *q > 0.0) {
            if best.map_or(true, |(bq, _)| q > bq) {
                best = Some((q, i));
            }
        }
    }
    best.map(|(_, i)| (offers[i].0.to_owned(), offers[i].1.clone()))
}

fn parse_named_node(iri: &str, what: &str) -> Result<NamedNode, Response> {
    NamedNode::new(iri).map_err(|e| bad_request(format!("{what} <{iri}> is not a valid IRI: {e}")))
}

fn run_query(server: &Server, req: &Request, sparql: &str, params: &[(String, String)]) -> Response {
    let watch = server.watchdog.watch(server.config.timeout);
    let mut prepared = match evaluator(Some(watch.token.clone())).parse_query(sparql) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("the query is not valid SPARQL: {e}")),
    };
    let default_uris = params_all(params, "default-graph-uri");
    let named_uris = params_all(params, "named-graph-uri");
    if !default_uris.is_empty() || !named_uris.is_empty() {
        // The protocol's dataset replaces the query's FROM and FROM NAMED (SPARQL 1.1 Protocol 2.1.4).
        let mut default = Vec::new();
        for iri in default_uris {
            match parse_named_node(iri, "default-graph-uri") {
                Ok(n) => default.push(GraphName::NamedNode(n)),
                Err(r) => return r,
            }
        }
        let mut named = Vec::new();
        for iri in named_uris {
            match parse_named_node(iri, "named-graph-uri") {
                Ok(n) => named.push(NamedOrBlankNode::NamedNode(n)),
                Err(r) => return r,
            }
        }
        prepared.dataset_mut().set_default_graph(default);
        if !named.is_empty() {
            prepared.dataset_mut().set_available_named_graphs(named);
        }
    } else if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let results = match prepared.on_store(server.store.oxigraph()).execute() {
        Ok(r) => r,
        Err(e) => return evaluation_error(server, e),
    };
    let accept = accept(req, params);
    let limit = server.config.max_results;
    let outcome = match results {
        QueryResults::Boolean(b) => {
            let Some((media, format)) = negotiate(accept, RESULTS_OFFERS) else {
                return not_acceptable(&RESULTS_OFFERS.iter().map(|(m, _)| *m).collect::<Vec<_>>());
            };
            QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(Vec::new(), b)
                .map(|body| (media, body))
                .map_err(internal_error)
        }
        QueryResults::Solutions(solutions) => {
            let Some((media, format)) = negotiate(accept, RESULTS_OFFERS) else {
                return not_acceptable(&RESULTS_OFFERS.iter().map(|(m, _)| *m).collect::<Vec<_>>());
            };
            (|| {
                let vars = solutions.variables().to_vec();
                let mut w = QueryResultsSerializer::from_format(format)
                    .serialize_solutions_to_writer(Vec::new(), vars)
                    .map_err(internal_error)?;
                for (n, s) in solutions.enumerate() {
                    if n >= limit {
                        return Err(too_many_results(limit));
                    }
                    let s = s.map_err(|e| evaluation_error(server, e))?;
                    w.serialize(&s).map_err(internal_error)?;
                }
                Ok((media, w.finish().map_err(internal_error)?))
            })()
        }
        QueryResults::Graph(triples) => {
            let offers = graph_offers();
            let Some((media, format)) = negotiate(accept, &offers) else {
                return not_acceptable(&offers.iter().map(|(m, _)| *m).collect::<Vec<_>>());
            };
            (|| {
                let mut list = Vec::new();
                for (n, t) in triples.enumerate() {
                    if n >= limit {
                        return Err(too_many_results(limit));
                    }
                    list.push(t.map_err(|e| evaluation_error(server, e))?);
                }
                Ok((media, serialize_triples(&list, format).map_err(internal_error)?))
            })()
        }
    };
    drop(watch);
    match outcome {
        Ok((media, body)) => Response::new(200, &content_type(&media), body).with_header("Vary", "Accept"),
        Err(r) => r,
    }
}

fn content_type(media: &str) -> String {
    if media.starts_with("text/") || media.ends_with("json") || media.ends_with("xml") {
        format!("{media}; charset=utf-8")
    } else {
        media.to_owned()
    }
}

fn evaluation_error(server: &Server, e: QueryEvaluationError) -> Response {
    match e {
        QueryEvaluationError::Cancelled => timed_out(server.config.timeout),
        QueryEvaluationError::Service(_) | QueryEvaluationError::UnsupportedService(_) => {
            bad_request(format!("SERVICE calls are not supported by this endpoint: {e}"))
        }
        e => internal_error(format!("the query failed: {e}")),
    }
}

fn serialize_triples(triples: &[Triple], format: RdfFormat) -> std::io::Result<Vec<u8>> {
    let mut ser = RdfSerializer::from_format(format);
    if matches!(format, RdfFormat::Turtle | RdfFormat::RdfXml) {
        for (p, ns) in PREFIXES {
            ser = ser.with_prefix(*p, *ns).expect("the contract's prefixes are valid");
        }
    }
    let mut w = ser.for_writer(Vec::new());
    for t in triples {
        w.serialize_triple(t)?;
    }
    w.finish()
}

fn run_update(server: &Server, sparql: &str) -> Response {
    if !server.config.writable {
        return the_server_is_read_only();
    }
    let update = match evaluator(None).parse_update(sparql) {
        Ok(u) => u,
        Err(e) => return bad_request(format!("the update is not valid SPARQL: {e}")),
    };
    match update.on_store(server.store.oxigraph()).execute() {
        Ok(()) => Response::new(204, "text/plain", Vec::new()),
        Err(e) => internal_error(format!("the update failed: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------------
// Service description, Graph Store, resources

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
fn service_description(server: &Server, req: &Request) -> Response {
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
fn graph_store_get(server: &Server, req: &Request, params: &[(String, String)]) -> Response {
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
fn construct(server: &Server, sparql: &str) -> Result<Vec<Triple>, Response> {
    let limit = server.config.max_results;
    let watch = server.watchdog.watch(server.config.timeout);
    let mut prepared = evaluator(Some(watch.token.clone())).parse_query(sparql).map_err(internal_error)?;
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
fn describe(server: &Server, req: &Request, rest: &str) -> Response {
    let (rest, qs) = rest.split_once('?').unwrap_or((rest, ""));
    let params = parse_form(qs);
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
    let Some((media, format)) = negotiate(accept(req, &params), &offers) else {
        return not_acceptable(&offers.iter().map(|(m, _)| *m).collect::<Vec<_>>());
    };
    let response = match format {
        Some(format) => match serialize_triples(&triples, format) {
            Ok(body) => Response::new(200, &content_type(&media), body),
            Err(e) => internal_error(e),
        },
        None => Response::new(200, "text/html; charset=utf-8", describe_html(server, &node, &triples)),
    };
    response.with_header("Vary", "Accept")
}

/// Markup escaping is shared with the GraphML writer.
use crate::graph::xml_escape as html_escape;

/// A term as HTML: instance IRIs link to their local /id/ page.
fn term_html(server: &Server, t: &Term) -> String {
    match t {
        Term::NamedNode(n) => {
            let iri = n.as_str();
            let href = match iri.strip_prefix(server.config.base.as_str()) {
                Some(rest) => format!("/id/{rest}"),
                None => iri.to_owned(),
            };
            format!("<a href=\"{}\">{}</a>", html_escape(&href), html_escape(&compact(t)))
        }
        Term::Literal(l) => html_escape(l.value()),
        other => html_escape(&other.to_string()),
    }
}

fn describe_html(server: &Server, node: &NamedNode, triples: &[Triple]) -> String {
    let subject_term = Term::NamedNode(node.clone());
    let label = triples
        .iter()
        .find(|t| t.subject.to_string() == node.to_string() && t.predicate.as_str().ends_with("#label"))
        .map(|t| match &t.object {
            Term::Literal(l) => l.value().to_owned(),
            o => o.to_string(),
        })
        .unwrap_or_else(|| compact(&subject_term));
    let mut out_rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in triples {
        let p = term_html(server, &Term::NamedNode(t.predicate.clone()));
        if t.subject.to_string() == node.to_string() {
            out_rows.entry(p).or_default().push(term_html(server, &t.object));
        } else {
            let s: Term = match &t.subject {
                NamedOrBlankNode::NamedNode(n) => Term::NamedNode(n.clone()),
                NamedOrBlankNode::BlankNode(b) => Term::BlankNode(b.clone()),
            };
            in_rows.entry(p).or_default().push(term_html(server, &s));
        }
    }
    let table = |rows: &BTreeMap<String, Vec<String>>| {
        let mut s = String::from("<table>\n");
        for (p, objects) in rows {
            let mut objects = objects.clone();
            objects.sort();
            let _ = writeln!(s, "<tr><th>{p}</th><td>{}</td></tr>", objects.join("<br>"));
        }
        s.push_str("</table>\n");
        s
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{title} · policekg</title>{STYLE}</head><body>\n\
         <p><a href=\"/\">policekg</a></p>\n<h1>{title}</h1>\n<p><code>{iri}</code> · <a href=\"?format=turtle\">Turtle</a> · <a href=\"?format=jsonld\">JSON-LD</a></p>\n\
         <h2>Statements</h2>\n{out}<h2>Referenced by</h2>\n{inc}</body></html>\n",
        title = html_escape(&label),
        iri = html_escape(node.as_str()),
        out = table(&out_rows),
        inc = if in_rows.is_empty() { "<p>nothing</p>\n".to_owned() } else { table(&in_rows) },
    )
}

const STYLE: &str = "<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:1.5em;max-width:80em}\
table{border-collapse:collapse;font-size:90%}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}textarea{width:100%;font-family:monospace;font-size:90%}#status{color:#555}.err{color:#b00;white-space:pre-wrap}</style>";

/// The query page: a text box, the named queries as examples, results as a table. Plain JS, no CDN.
fn query_page(server: &Server) -> Response {
    let examples: Vec<serde_json::Value> = query::named_queries()
        .map(|q| serde_json::json!({ "name": q.name, "description": q.description(), "text": q.text }))
        .collect();
    // Inside <script>, "</" must not close the element.
    let examples = serde_json::to_string(&examples).unwrap_or_else(|_| "[]".into()).replace("</", "<\\/");
    let base = serde_json::to_string(&server.config.base).unwrap_or_default().replace("</", "<\\/");
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>policekg SPARQL</title>{STYLE}</head><body>
<h1>policekg SPARQL</h1>
<p>The default graph is the union of every document graph; the prefixes pk:, org:, prov:, qb:, skos:, dcterms:,
schema:, rdfs:, xsd: are predeclared. Endpoint for tools: <code>/sparql</code>.</p>
<p><label>Example: <select id="examples"><option value="">(choose a named query)</option></select></label>
<span id="description"></span></p>
<textarea id="query" rows="14" spellcheck="false">SELECT ?agency ?label WHERE {{ ?agency a pk:Agency ; rdfs:label ?label }} LIMIT 20</textarea>
<p><button id="run">Run</button> <span id="status"></span></p>
<div id="results"></div>
<script>
const EXAMPLES = {examples};
const BASE = {base};
const select = document.getElementById('examples');
for (const q of EXAMPLES) {{
  const o = document.createElement('option'); o.value = q.name; o.textContent = q.name; select.appendChild(o);
}}
select.addEventListener('change', () => {{
  const q = EXAMPLES.find(x => x.name === select.value);
  if (q) {{ document.getElementById('query').value = q.text; document.getElementById('description').textContent = q.description; }}
}});
function cell(term) {{
  const td = document.createElement('td');
  if (!term) return td;
  if (term.type === 'uri') {{
    const a = document.createElement('a');
    a.href = term.value.startsWith(BASE) ? '/id/' + term.value.slice(BASE.length) : term.value;
    a.textContent = term.value.startsWith(BASE) ? 'id:' + term.value.slice(BASE.length) : term.value;
    td.appendChild(a);
  }} else td.textContent = term.value;
  return td;
}}
async function run() {{
  const status = document.getElementById('status'), out = document.getElementById('results');
  status.textContent = 'running…'; out.textContent = '';
  const started = performance.now();
  try {{
    const r = await fetch('/sparql', {{ method: 'POST', headers: {{ 'Content-Type': 'application/sparql-query',
      'Accept': 'application/sparql-results+json, text/turtle;q=0.9' }}, body: document.getElementById('query').value }});
    const text = await r.text();
    const ms = Math.round(performance.now() - started);
    if (!r.ok) {{ status.textContent = 'HTTP ' + r.status; const p = document.createElement('p'); p.className = 'err'; p.textContent = text; out.appendChild(p); return; }}
    if ((r.headers.get('Content-Type') || '').includes('json')) {{
      const j = JSON.parse(text);
      if ('boolean' in j) {{ status.textContent = ms + ' ms'; out.textContent = String(j.boolean); return; }}
      const vars = j.head.vars, table = document.createElement('table'), head = table.insertRow();
      for (const v of vars) {{ const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }}
      for (const b of j.results.bindings) {{ const tr = table.insertRow(); for (const v of vars) tr.appendChild(cell(b[v])); }}
      status.textContent = j.results.bindings.length + ' rows, ' + ms + ' ms'; out.appendChild(table);
    }} else {{ const pre = document.createElement('pre'); pre.textContent = text; status.textContent = ms + ' ms'; out.appendChild(pre); }}
  }} catch (e) {{ status.textContent = 'error: ' + e; }}
}}
document.getElementById('run').addEventListener('click', run);
document.getElementById('query').addEventListener('keydown', e => {{ if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run(); }});
</script>
</body></html>
"#
    );
    Response::new(200, "text/html; charset=utf-8", html)
}

/// `application/x-www-form-urlencoded` pairs (also query strings): `+` is a space, `%XX` a byte.
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------------
// Timeouts: one watchdog thread cancels the queries that outlive their deadline.

struct Watchdog {
    shared: Arc<(Mutex<WatchState>, Condvar)>,
}

#[derive(Default)]
struct WatchState {
    next_id: u64,
    running: BTreeMap<u64, (Instant, CancellationToken)>,
    stop: bool,
}

/// A running query's registration; dropping it (the query finished) unregisters it.
struct Watch<'a> {
    id: u64,
    token: CancellationToken,
    watchdog: &'a Watchdog,
}

impl Watchdog {
    fn start() -> Self {
        let shared = Arc::new((Mutex::new(WatchState::default()), Condvar::new()));
        let s = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("policekg-watchdog".into())
            .spawn(move || {
                let (lock, cvar) = &*s;
                let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if st.stop {
                        return;
                    }
                    let now = Instant::now();
                    st.running.retain(|_, (deadline, token)| {
                        if *deadline <= now {
                            token.cancel();
                            false
                        } else {
                            true
                        }
                    });
                    let wait = st.running.values().map(|(d, _)| *d - now).min().unwrap_or(Duration::from_secs(3600));
                    st = cvar.wait_timeout(st, wait).unwrap_or_else(|e| e.into_inner()).0;
                }
            })
            .expect("the watchdog thread starts");
        Self { shared }
    }

    fn watch(&self, timeout: Duration) -> Watch<'_> {
        let token = CancellationToken::new();
        let (lock, cvar) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = Instant::now() + timeout;
        // The watchdog sleeps until the earliest deadline: wake it only if this one comes sooner.
        let sooner = st.running.values().all(|(d, _)| deadline < *d);
        st.next_id += 1;
        let id = st.next_id;
        st.running.insert(id, (deadline, token.clone()));
        drop(st);
        if sooner {
            cvar.notify_one();
        }
        Watch { id, token, watchdog: self }
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        let (lock, _) = &*self.watchdog.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).running.remove(&self.id);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        cvar.notify_one();
    }
}

// ---------------------------------------------------------------------------------------------------
// HTTP: tiny_http and a pool of workers.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("cannot listen on {bind}: {reason}")]
    Bind { bind: String, reason: String },
}

/// A bound listener, before it serves.
pub struct Listener {
    http: tiny_http::Server,
}

impl Listener {
    pub fn bind(bind: &str) -> Result<Self, ServeError> {
        tiny_http::Server::http(bind)
            .map(|http| Self { http })
            .map_err(|e| ServeError::Bind { bind: bind.to_owned(), reason: e.to_string() })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.http.server_addr().to_ip()
    }

    /// Serves with `threads` workers until `shutdown` is set; requests in flight are answered first.
    pub fn run(self, server: Arc<Server>, threads: usize, shutdown: Arc<AtomicBool>) {
        let http = Arc::new(self.http);
        let workers: Vec<_> = (0..threads.max(1))
            .map(|i| {
                let (http, server, shutdown) = (Arc::clone(&http), Arc::clone(&server), Arc::clone(&shutdown));
                std::thread::Builder::new()
                    .name(format!("policekg-http-{i}"))
                    .spawn(move || {
                        while !shutdown.load(Ordering::SeqCst) {
                            match http.recv_timeout(POLL_INTERVAL) {
                                Ok(Some(request)) => respond(&server, request),
                                Ok(None) => {}
                                Err(e) => {
                                    eprintln!("policekg serve: {e}");
                                    std::thread::sleep(POLL_INTERVAL);
                                }
                            }
                        }
                    })
                    .expect("a worker thread starts")
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

fn respond(server: &Server, mut request: tiny_http::Request) {
    let mut body = Vec::new();
    let too_large = request.body_length().is_some_and(|n| n > MAX_BODY_BYTES)
        || request.as_reader().take(MAX_BODY_BYTES as u64 + 1).read_to_end(&mut body).is_err()
        || body.len() > MAX_BODY_BYTES;
    let response = if too_large {
        with_cors(payload_too_large())
    } else {
        let req = Request {
            method: request.method().as_str().to_ascii_uppercase(),
            url: request.url().to_owned(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_owned()))
                .collect(),
            body,
        };
        handle(server, &req)
    };
    if response.status >= 500 {
        eprintln!(
            "policekg serve: {} {} -> {}: {}",
            request.method(),
            request.url(),
            response.status,
            response.text().trim()
        );
    }
    // The response is written by hand so that it can say `Connection: close` (tiny_http drops that
    // header): tiny_http runs each connection as a task of a thread pool that can leave a new connection
    // queued behind idle keep-alive connections, so clients that open many connections at once would
    // wait. Closing after each answer keeps every task short; on loopback a new connection costs little.
    let head_only = *request.method() == tiny_http::Method::Head;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nServer: policekg\r\nConnection: close\r\nContent-Length: {}\r\n",
        response.status,
        tiny_http::StatusCode(response.status).default_reason_phrase(),
        response.body.len()
    );
    for (name, value) in &response.headers {
        if !(name.contains(['\r', '\n', ':']) || value.contains(['\r', '\n'])) {
            let _ = write!(head, "{name}: {value}\r\n");
        }
    }
    head.push_str("\r\n");
    let mut writer = request.into_writer();
    // The client may have gone away; nothing to do about it.
    let _ = writer
        .write_all(head.as_bytes())
        .and_then(|()| if head_only { Ok(()) } else { writer.write_all(&response.body) })
        .and_then(|()| writer.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_explicit_types_then_server_order() {
        let offers = [("text/turtle", 1), ("text/html", 2), ("application/ld+json", 3)];
        assert_eq!(negotiate(None, &offers).unwrap().1, 1);
        assert_eq!(negotiate(Some("*/*"), &offers).unwrap().1, 1);
        assert_eq!(
            negotiate(Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), &offers).unwrap().1,
            2
        );
        assert_eq!(negotiate(Some("application/ld+json"), &offers).unwrap().1, 3);
        assert_eq!(negotiate(Some("text/*;q=0.5, application/ld+json;q=0.4"), &offers).unwrap().1, 1);
        assert_eq!(negotiate(Some("image/png"), &offers), None);
        assert_eq!(negotiate(Some("text/turtle;q=0, */*"), &offers).unwrap().1, 2);
    }

    #[test]
    fn forms_decode_plus_and_percent() {
        assert_eq!(
            parse_form("query=SELECT+*+%7B%7D&default-graph-uri=http%3A%2F%2Fx&x"),
            vec![
                ("query".into(), "SELECT * {}".into()),
                ("default-graph-uri".into(), "http://x".into()),
                ("x".into(), String::new())
            ]
        );
        assert_eq!(parse_form("q=%E8%8D%86%E9%97%A8"), vec![("q".into(), "荆门".into())]);
        assert_eq!(parse_form("q=100%"), vec![("q".into(), "100%".into())]);
    }

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
