//! The SPARQL 1.1 Protocol: routing, queries and updates, each under the budget and the timeout.

use super::budget;
use super::message::*;
use super::negotiate::{accept, content_type, graph_offers, negotiate, serialize_triples, RESULTS_OFFERS};
use super::pages::{query_page, wants_html};
use super::resources::{describe, graph_store_get, service_description};
use super::Server;
use crate::vocab::PREFIXES;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, QueryEvaluationError, QueryResults, SparqlEvaluator, UpdateEvaluationError,
};

/// The SPARQL endpoint's paths: ours, and Oxigraph's (`/query`, `/update`) that its users expect.
const ENDPOINTS: [&str; 3] = ["/sparql", "/query", "/update"];

/// Answers one request. Never panics on client input; CORS headers are added to every response.
pub fn handle(server: &Server, req: &Request) -> Response {
    let response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(server, req)))
        .unwrap_or_else(|_| internal_error("the request handler panicked"));
    with_cors(response)
}

pub(super) fn with_cors(r: Response) -> Response {
    r.with_header("Access-Control-Allow-Origin", "*")
        .with_header("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS")
        .with_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        .with_header("Access-Control-Expose-Headers", "Content-Type")
}

fn route(server: &Server, req: &Request) -> Response {
    let (path, query_string) = req.url.split_once('?').unwrap_or((req.url.as_str(), ""));
    let params = parse_form(query_string);
    let endpoint = ENDPOINTS.contains(&path);
    let get = matches!(req.method.as_str(), "GET" | "HEAD");
    let query = param(&params, "query");
    match (req.method.as_str(), path) {
        ("OPTIONS", _) => Response::new(204, "text/plain", Vec::new()).with_header("Access-Control-Max-Age", "86400"),
        // A shared link opened in a browser: the page, with the query filled in and run.
        _ if get && (endpoint || path == "/") && query.is_some() && wants_html(req, &params) => {
            query_page(server, query)
        }
        _ if get && (endpoint || path == "/") && query.is_some() => {
            run_query(server, req, query.unwrap_or_default(), &params)
        }
        _ if get && endpoint && param(&params, "update").is_some() => {
            bad_request("updates must be sent with POST (SPARQL 1.1 Protocol, section 2.2)")
        }
        _ if get && endpoint => service_description(server, req),
        ("GET" | "HEAD", "/") => query_page(server, None),
        ("POST", p) if endpoint || p == "/" => sparql_post(server, req, params),
        ("GET" | "HEAD", "/store") => graph_store_get(server, req, &params),
        (_, "/store") => method_not_allowed(&req.method, path, "GET, HEAD (the Graph Store is served read-only)"),
        ("GET" | "HEAD", p) if p.starts_with("/id/") => describe(server, req, &p["/id/".len()..], &params),
        ("GET" | "HEAD", "/favicon.ico") => Response::new(204, "image/x-icon", Vec::new()),
        (_, p) if endpoint || p == "/" => method_not_allowed(&req.method, path, "GET, POST, HEAD, OPTIONS"),
        _ => not_found(path),
    }
}

pub(super) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn params_all<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
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
pub(super) fn evaluator(token: CancellationToken) -> SparqlEvaluator {
    let mut e = SparqlEvaluator::new();
    for (p, ns) in PREFIXES {
        e = e.with_prefix(*p, *ns).expect("the contract's prefixes are valid");
    }
    e.with_cancellation_token(token)
}

pub(super) fn parse_named_node(iri: &str, what: &str) -> Result<NamedNode, Response> {
    NamedNode::new(iri).map_err(|e| bad_request(format!("{what} <{iri}> is not a valid IRI: {e}")))
}

fn run_query(server: &Server, req: &Request, sparql: &str, params: &[(String, String)]) -> Response {
    if let Err(e) = budget::check(sparql) {
        return bad_request(e.to_string());
    }
    let watch = server.watchdog.watch(server.config.timeout);
    let prepared = match prepare(evaluator(watch.token.clone()), sparql, params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let results = match prepared.on_store(server.store.oxigraph()).execute() {
        Ok(r) => r,
        Err(e) => return evaluation_error(server, e),
    };
    match serialize_results(server, results, accept(req, params)) {
        Ok((media, body)) => Response::new(200, &content_type(&media), body).with_header("Vary", "Accept"),
        Err(r) => r,
    }
}

/// Parses the query and sets its dataset: the protocol's `default-graph-uri`/`named-graph-uri` replace
/// the query's FROM and FROM NAMED (SPARQL 1.1 Protocol 2.1.4); without either, the default graph is the
/// union of all graphs.
fn prepare(
    evaluator: SparqlEvaluator,
    sparql: &str,
    params: &[(String, String)],
) -> Result<PreparedSparqlQuery, Response> {
    let mut prepared =
        evaluator.parse_query(sparql).map_err(|e| bad_request(format!("the query is not valid SPARQL: {e}")))?;
    let default_uris = params_all(params, "default-graph-uri");
    let named_uris = params_all(params, "named-graph-uri");
    if !default_uris.is_empty() || !named_uris.is_empty() {
        let default = default_uris
            .into_iter()
            .map(|iri| parse_named_node(iri, "default-graph-uri").map(GraphName::NamedNode))
            .collect::<Result<Vec<_>, _>>()?;
        let named = named_uris
            .into_iter()
            .map(|iri| parse_named_node(iri, "named-graph-uri").map(NamedOrBlankNode::NamedNode))
            .collect::<Result<Vec<_>, _>>()?;
        prepared.dataset_mut().set_default_graph(default);
        if !named.is_empty() {
            prepared.dataset_mut().set_available_named_graphs(named);
        }
    } else if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    Ok(prepared)
}

/// The results in the negotiated format, up to `--max-results` rows or triples: (media type, body).
fn serialize_results(
    server: &Server,
    results: QueryResults<'_>,
    accept: Option<&str>,
) -> Result<(String, Vec<u8>), Response> {
    let limit = server.config.max_results;
    let results_format = || {
        negotiate(accept, RESULTS_OFFERS)
            .ok_or_else(|| not_acceptable(&RESULTS_OFFERS.iter().map(|(m, _)| *m).collect::<Vec<_>>()))
    };
    match results {
        QueryResults::Boolean(b) => {
            let (media, format) = results_format()?;
            let body = QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(Vec::new(), b)
                .map_err(internal_error)?;
            Ok((media, body))
        }
        QueryResults::Solutions(solutions) => {
            let (media, format) = results_format()?;
            let vars = solutions.variables().to_vec();
            let mut w = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(Vec::new(), vars)
                .map_err(internal_error)?;
            for (n, s) in solutions.enumerate() {
                if n >= limit {
                    return Err(too_many_results(limit));
                }
                w.serialize(&s.map_err(|e| evaluation_error(server, e))?).map_err(internal_error)?;
            }
            Ok((media, w.finish().map_err(internal_error)?))
        }
        QueryResults::Graph(triples) => {
            let offers = graph_offers();
            let (media, format) = negotiate(accept, &offers)
                .ok_or_else(|| not_acceptable(&offers.iter().map(|(m, _)| *m).collect::<Vec<_>>()))?;
            let mut list = Vec::new();
            for (n, t) in triples.enumerate() {
                if n >= limit {
                    return Err(too_many_results(limit));
                }
                list.push(t.map_err(|e| evaluation_error(server, e))?);
            }
            Ok((media, serialize_triples(&list, format).map_err(internal_error)?))
        }
    }
}

/// What the client asked for that cannot be done is a 400 with the evaluator's message; the store's
/// own failures are 500.
pub(super) fn evaluation_error(server: &Server, e: QueryEvaluationError) -> Response {
    use QueryEvaluationError as E;
    match e {
        E::Cancelled => timed_out(server.config.timeout),
        E::Service(_) | E::UnsupportedService(_) | E::UnboundService | E::InvalidServiceName(_) => {
            bad_request(format!("SERVICE calls are not supported by this endpoint: {e}"))
        }
        E::UnsupportedCustomFunction(_)
        | E::UnsupportedCustomFunctionArity { .. }
        | E::NotExistingSubstitutedVariable(_) => bad_request(format!("the query cannot be evaluated: {e}")),
        e => internal_error(format!("the query failed: {e}")),
    }
}

fn run_update(server: &Server, sparql: &str) -> Response {
    if !server.config.writable {
        return the_server_is_read_only();
    }
    if let Err(e) = budget::check(sparql) {
        return bad_request(e.to_string().replace("the query", "the update"));
    }
    let watch = server.watchdog.watch(server.config.timeout);
    let update = match evaluator(watch.token.clone()).parse_update(sparql) {
        Ok(u) => u,
        Err(e) => return bad_request(format!("the update is not valid SPARQL: {e}")),
    };
    match update.on_store(server.store.oxigraph()).execute() {
        Ok(()) => Response::new(204, "text/plain", Vec::new()),
        Err(e) => update_error(e),
    }
}

/// The client's mistakes in an update are 400; the store's failures 500.
fn update_error(e: UpdateEvaluationError) -> Response {
    use UpdateEvaluationError as E;
    match e {
        E::Storage(_) | E::Unexpected(_) => internal_error(format!("the update failed: {e}")),
        e => bad_request(format!("the update cannot be done: {e}")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
