//! `policekg serve`: the real binary on 127.0.0.1 queried by real clients (curl, Python SPARQLWrapper),
//! and the handler in-process for what needs a special configuration (timeout, limits, --writable).

mod common;
mod endpoint;
use common::*;
use endpoint::*;
use policekg::serve::{handle, Config, Request, Server};
use policekg::store::KgStore;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const HZ: &str = "https://w3id.org/policekg/id/agency/杭州市公安局";
const ZJ_DOC: &str = "https://w3id.org/policekg/id/doc/zj_hz_2023_spring";

fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    (dir, store)
}

#[test]
fn curl_select_ask_construct_and_a_malformed_query() {
    require_curl();
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    let sparql = format!("{}/sparql", ep.url);

    let q = "SELECT DISTINCT ?label WHERE { ?a a pk:Agency ; rdfs:label ?label } ORDER BY ?label";
    let (code, headers, body) = curl(&[
        "-G",
        &sparql,
        "--data-urlencode",
        &format!("query={q}"),
        "-H",
        "Accept: application/sparql-results+json",
    ]);
    assert_eq!(code, 200, "{body}");
    assert!(headers.to_ascii_lowercase().contains("content-type: application/sparql-results+json"), "{headers}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let labels: Vec<&str> =
        json["results"]["bindings"].as_array().unwrap().iter().map(|b| b["label"]["value"].as_str().unwrap()).collect();
    assert!(labels.contains(&"杭州市公安局") && labels.contains(&"公安部"), "{labels:?}");
    assert!(headers.contains("Access-Control-Allow-Origin: *"), "CORS for browser query editors: {headers}");

    let (code, _, csv) = curl(&["-G", &sparql, "--data-urlencode", &format!("query={q}"), "-H", "Accept: text/csv"]);
    assert_eq!(code, 200);
    assert!(csv.starts_with("label\r\n") && csv.contains("杭州市公安局"), "{csv}");
    let (_, _, tsv) =
        curl(&["-G", &sparql, "--data-urlencode", &format!("query={q}"), "-H", "Accept: text/tab-separated-values"]);
    assert!(tsv.starts_with("?label"), "{tsv}");
    let (_, _, xml) = curl(&[
        "-G",
        &sparql,
        "--data-urlencode",
        &format!("query={q}"),
        "-H",
        "Accept: application/sparql-results+xml",
    ]);
    assert!(xml.contains("<sparql") && xml.contains("杭州市公安局"), "{xml}");

    let (code, _, ask) = curl(&[
        "-X",
        "POST",
        &sparql,
        "-H",
        "Content-Type: application/sparql-query",
        "--data-binary",
        "ASK { ?c a pk:Campaign }",
    ]);
    assert_eq!(code, 200);
    assert!(ask.contains("\"boolean\":true"), "{ask}");

    let construct = format!("CONSTRUCT {{ <{HZ}> rdfs:label ?l }} WHERE {{ <{HZ}> rdfs:label ?l }}");
    let (code, headers, ttl) =
        curl(&["-X", "POST", &sparql, "--data-urlencode", &format!("query={construct}"), "-H", "Accept: text/turtle"]);
    assert_eq!(code, 200, "{ttl}");
    assert!(headers.to_ascii_lowercase().contains("content-type: text/turtle"), "{headers}");
    assert!(ttl.contains("rdfs:label \"杭州市公安局\""), "{ttl}");
    for (accept, marker) in [
        ("application/ld+json", "\"@id\""),
        ("application/rdf+xml", "<rdf:RDF"),
        ("application/n-triples", "> \"杭州市公安局\" ."),
    ] {
        let (code, _, body) = curl(&[
            "-X",
            "POST",
            &sparql,
            "--data-urlencode",
            &format!("query={construct}"),
            "-H",
            &format!("Accept: {accept}"),
        ]);
        assert_eq!(code, 200, "{accept}: {body}");
        assert!(body.contains(marker), "{accept}: {body}");
    }

    let (code, _, err) = curl(&["-G", &sparql, "--data-urlencode", "query=SELECT ?x WHERE { ?x"]);
    assert_eq!(code, 400, "{err}");
    assert!(err.contains("not valid SPARQL") && err.contains("error at"), "the parser's message: {err}");

    let (code, _, err) = curl(&["-G", &sparql, "--data-urlencode", &format!("query={q}"), "-H", "Accept: image/png"]);
    assert_eq!(code, 406, "{err}");

    assert!(ep.interrupt().success(), "Ctrl-C stops the server cleanly");
}

#[test]
fn sparqlwrapper_select_ask_construct_and_malformed() {
    require_python("SPARQLWrapper");
    require_python("rdflib");
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    let script = r#"
import sys, json
from SPARQLWrapper import SPARQLWrapper, JSON, XML, TURTLE
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
url = sys.argv[1]
out = {}
w = SPARQLWrapper(url)
w.setQuery("PREFIX pk: <https://w3id.org/policekg/ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
           "SELECT DISTINCT ?l WHERE { ?a a pk:Agency ; rdfs:label ?l }")
w.setReturnFormat(JSON)
out["select"] = sorted(b["l"]["value"] for b in w.query().convert()["results"]["bindings"])
w = SPARQLWrapper(url)
w.setMethod("POST")
w.setQuery("ASK { ?o a <https://w3id.org/policekg/ns#Outcome> }")
w.setReturnFormat(JSON)
out["ask"] = w.query().convert()["boolean"]
w = SPARQLWrapper(url)
w.setQuery("CONSTRUCT { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { ?a a <https://w3id.org/policekg/ns#Agency> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }")
w.setReturnFormat(XML)
g = w.query().convert()  # an rdflib Graph, parsed from RDF/XML
out["construct"] = sorted({str(o) for o in g.objects()})
w = SPARQLWrapper(url)
w.setQuery("CONSTRUCT WHERE { ?c a <https://w3id.org/policekg/ns#Campaign> }")
w.setReturnFormat(TURTLE)
out["turtle"] = w.query().convert().decode("utf-8")
w = SPARQLWrapper(url)
w.setQuery("SELECT * WHERE { ?s ?p }")
w.setReturnFormat(JSON)
try:
    w.query()
    out["malformed"] = "accepted"
except QueryBadFormed as e:
    out["malformed"] = "QueryBadFormed: " + str(e)
print(json.dumps(out, ensure_ascii=False))
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(format!("{}/sparql", ep.url)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let select: Vec<&str> = r["select"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(select.contains(&"杭州市公安局") && select.contains(&"浙江省公安厅"), "{select:?}");
    assert_eq!(r["ask"], true);
    let construct: Vec<&str> = r["construct"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(construct.contains(&"杭州市公安局"), "{construct:?}");
    assert!(r["turtle"].as_str().unwrap().contains("pk:Campaign"), "{}", r["turtle"]);
    let malformed = r["malformed"].as_str().unwrap();
    assert!(malformed.starts_with("QueryBadFormed") && malformed.contains("not valid SPARQL"), "{malformed}");
}

#[test]
fn service_description_graph_store_and_dereferenceable_iris() {
    require_curl();
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);

    let (code, _, sd) = curl(&[&format!("{}/sparql", ep.url), "-H", "Accept: text/turtle"]);
    assert_eq!(code, 200);
    assert!(sd.contains("sparql-service-description#Service") && sd.contains(&format!("{}/sparql", ep.url)), "{sd}");

    let (code, _, graph) = curl(&["-G", &format!("{}/store", ep.url), "--data-urlencode", &format!("graph={ZJ_DOC}")]);
    assert_eq!(code, 200, "{graph}");
    assert!(graph.contains("杭州市公安局") && graph.contains("pk:Outcome"), "the document's graph as Turtle: {graph}");
    let (code, _, _) =
        curl(&["-G", &format!("{}/store", ep.url), "--data-urlencode", "graph=https://example.org/none"]);
    assert_eq!(code, 404);
    let (code, _, _) =
        curl(&["-X", "PUT", &format!("{}/store?default", ep.url), "--data-binary", "<a:b> <a:c> <a:d> ."]);
    assert_eq!(code, 405, "the Graph Store is read-only");

    // The IRI as a browser sends it: percent-encoded UTF-8.
    let id = format!("{}/id/agency/%E6%9D%AD%E5%B7%9E%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80", ep.url);
    let (code, headers, html) =
        curl(&[&id, "-H", "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]);
    assert_eq!(code, 200, "{html}");
    assert!(headers.to_ascii_lowercase().contains("content-type: text/html"), "{headers}");
    assert!(html.contains("<h1>杭州市公安局</h1>") && html.contains("href=\"/id/agency/浙江省公安厅\""), "{html}");
    let (_, headers, ttl) = curl(&[&id]);
    assert!(headers.to_ascii_lowercase().contains("content-type: text/turtle"), "clients get Turtle: {headers}");
    assert!(ttl.contains("org:subOrganizationOf <https://w3id.org/policekg/id/agency/浙江省公安厅>"), "{ttl}");
    let (_, _, jsonld) = curl(&[&id, "-H", "Accept: application/ld+json"]);
    assert!(serde_json::from_str::<serde_json::Value>(&jsonld).is_ok(), "{jsonld}");
    let (code, _, _) = curl(&[&format!("{}/id/agency/nobody", ep.url)]);
    assert_eq!(code, 404);
}

#[test]
fn query_page_cors_and_read_only() {
    require_curl();
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    let (code, _, page) = curl(&[&format!("{}/", ep.url)]);
    assert_eq!(code, 200);
    assert!(
        page.contains("<textarea") && page.contains("outcomes-by-agency-campaign") && page.contains("fetch('/sparql'"),
        "{page}"
    );
    assert!(!page.contains("https://cdn") && !page.contains("<script src"), "no CDN, nothing to install");

    let (code, headers, _) = curl(&[
        "-X",
        "OPTIONS",
        &format!("{}/sparql", ep.url),
        "-H",
        "Origin: https://yasgui.example",
        "-H",
        "Access-Control-Request-Method: POST",
    ]);
    assert_eq!(code, 204);
    assert!(headers.contains("Access-Control-Allow-Methods: GET, POST"), "{headers}");

    let (code, _, body) =
        curl(&["-X", "POST", &format!("{}/sparql", ep.url), "--data-urlencode", "update=DELETE WHERE { ?s ?p ?o }"]);
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("--writable"), "{body}");
    let (_, _, ask) = curl(&["-G", &format!("{}/sparql", ep.url), "--data-urlencode", "query=ASK { ?s ?p ?o }"]);
    assert!(ask.contains("true"), "the store is untouched: {ask}");

    // Sixteen clients at once, each with its own connection: every answer complete.
    let urls: Vec<String> = (0..64)
        .map(|i| {
            format!(
                "{}/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%20{}",
                ep.url,
                i + 1
            )
        })
        .collect();
    let mut args = vec!["--parallel", "--parallel-max", "16", "--max-time", "120", "-sS", "-w", "%{http_code}\n"];
    for u in &urls {
        args.extend(["-o", "/dev/null", u.as_str()]);
    }
    let out = Command::new("curl").args(&args).output().unwrap();
    let codes = String::from_utf8_lossy(&out.stdout);
    assert_eq!(codes.lines().filter(|l| *l == "200").count(), 64, "{codes}");
}

#[test]
fn build_while_serving_is_refused_but_queries_run_and_ctrl_c_releases_the_store() {
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    // A read-only server shares the store with other readers: a second server and the command line.
    let second = Endpoint::start(&store, &[]);
    let count = "SELECT (COUNT(*) AS ?n) { ?d a <https://w3id.org/policekg/ns#Document> }";
    let out = ok(&["query", "--store", s(&store), "-e", count, "--format", "csv"]);
    let from_cli = stdout(&out);
    assert!(from_cli.lines().nth(1).is_some_and(|n| n.parse::<u32>().unwrap() > 0), "{from_cli}");
    drop(second);
    let busy = policekg(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    assert!(!busy.status.success());
    assert!(stderr(&busy).contains("another policekg process"), "the Busy message: {}", stderr(&busy));
    let busy = policekg(&["remove", "--store", s(&store), "any-id"]);
    assert!(stderr(&busy).contains("another policekg process"), "the Busy message: {}", stderr(&busy));
    assert!(ep.interrupt().success());
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
}

// --- In-process: the handler without a socket. ---

fn server(store: &Path, config: Config) -> Server {
    Server::new(KgStore::open_existing(store).unwrap(), config)
}

fn form(q: &str) -> String {
    policekg_form(&[("query", q)])
}

fn policekg_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn in_process_timeout_cancels_a_runaway_query() {
    let (_dir, store) = store();
    let srv = server(&store, Config { timeout: Duration::from_millis(200), ..Config::default() });
    // Oxigraph checks the token whenever the query reads the store: EXISTS reads it for every row.
    let q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . FILTER EXISTS { ?a ?x ?y } }";
    let r = handle(&srv, &Request::post("/sparql", "application/x-www-form-urlencoded", form(q)));
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.text().contains("--timeout"), "{}", r.text());
    // The server goes on answering.
    let r = handle(&srv, &Request::post("/sparql", "application/sparql-query", "ASK { ?s ?p ?o }"));
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn in_process_result_limit_and_dataset_parameters() {
    let (_dir, store) = store();
    let srv = server(&store, Config { max_results: 3, ..Config::default() });
    let r = handle(&srv, &Request::get(&format!("/sparql?{}", form("SELECT * WHERE { ?s ?p ?o }"))));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("--max-results"), "{}", r.text());

    drop(srv); // one opener per store, also within a process
    let srv = server(&store, Config::default());
    // What the document graph itself states: the agencies it mentions (labels live in the entities graph).
    let q = "SELECT DISTINCT ?a WHERE { ?a pk:mentionedIn ?d FILTER(CONTAINS(STR(?a), \"/agency/\")) }";
    let one = handle(
        &srv,
        &Request::get(&format!("/sparql?{}", policekg_form(&[("query", q), ("default-graph-uri", ZJ_DOC)]))),
    );
    assert_eq!(one.status, 200, "{}", one.text());
    assert!(
        one.text().contains("杭州市公安局") && !one.text().contains("深圳市公安局"),
        "only that document: {}",
        one.text()
    );
    let named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?a pk:mentionedIn ?d } }";
    let r = handle(
        &srv,
        &Request::get(&format!("/sparql?{}", policekg_form(&[("query", named), ("named-graph-uri", ZJ_DOC)]))),
    );
    let json: serde_json::Value = serde_json::from_str(&r.text()).unwrap();
    assert_eq!(json["results"]["bindings"].as_array().unwrap().len(), 1, "{json}");
    let bad = handle(
        &srv,
        &Request::get(&format!("/sparql?{}", policekg_form(&[("query", q), ("default-graph-uri", "not an iri")]))),
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn in_process_writable_allows_update() {
    let (_dir, store) = store();
    let srv = server(&store, Config { writable: true, ..Config::default() });
    let r = handle(
        &srv,
        &Request::post(
            "/sparql",
            "application/sparql-update",
            "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> rdfs:label \"新\" } }",
        ),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = handle(&srv, &Request::post("/sparql", "application/sparql-query", "ASK { <urn:x:a> rdfs:label \"新\" }"));
    assert!(r.text().contains("true"), "{}", r.text());
}

#[test]
fn in_process_nothing_a_client_sends_crashes_the_server() {
    let (_dir, store) = store();
    let srv = server(&store, Config::default());
    let nasty = [
        Request { method: "BREW".into(), url: "/sparql".into(), ..Request::default() },
        Request::get("/sparql?query=%ZZ%"),
        Request::get("/id/%FF%FE%"),
        Request::get("/id/"),
        Request::get("/store"),
        Request::get("/store?graph=%20"),
        Request::post("/sparql", "application/sparql-query", vec![0xff, 0xfe, 0x00]),
        Request::post("/sparql", "text/plain", "ASK {}"),
        Request::post("/sparql", "application/x-www-form-urlencoded", "nothing=here"),
        Request::get("/sparql?query=SELECT%20*%20WHERE%20%7B%20SERVICE%20%3Chttp%3A%2F%2Fexample.org%2F%3E%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D"),
        Request::get("/../../etc/passwd"),
    ];
    for req in nasty {
        let r = handle(&srv, &req);
        assert!((400..500).contains(&r.status), "{} {} -> {}: {}", req.method, req.url, r.status, r.text());
    }
}
