//! The query page and an `/id/` page in a real headless Chromium, driven over the DevTools protocol by
//! tests/endpoint/browse.mjs (node): what a user sees and clicks.

mod common;
mod endpoint;
use common::*;
use endpoint::*;
use std::path::PathBuf;
use std::process::Command;

fn require_browser() {
    let chromium = Command::new("chromium").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(chromium, "chromium is missing: run scripts/deps.sh test (it installs Debian's chromium)");
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(node, "node is missing: run scripts/deps.sh test");
}

/// Opens `url` in Chromium, runs `steps` in the page (an async function body with `wait(f)`), and
/// returns what they return.
fn browse(url: &str, steps: &str) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/endpoint/browse.mjs");
    let out = Command::new("node").arg("--experimental-websocket").arg(script).arg(url).arg(steps).output().unwrap();
    assert!(out.status.success(), "browse {url}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    (dir, store)
}

fn encode(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn a_shared_query_link_opens_the_page_filled_in_and_run() {
    require_browser();
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    let q = "SELECT ?agency ?label WHERE { ?agency a pk:Agency ; rdfs:label ?label } ORDER BY ?label";
    for path in ["/", "/sparql"] {
        let seen = browse(
            &format!("{}{path}?query={}", ep.url, encode(q)),
            r#"const table = await wait(() => document.querySelector('#results table'));
               const cells = table ? [...table.querySelectorAll('td')].map(td => td.textContent) : [];
               const links = table ? [...table.querySelectorAll('td a')].map(a => a.getAttribute('href')) : [];
               return { query: document.getElementById('query').value, cells, links,
                        status: document.getElementById('status').textContent,
                        csv: document.getElementById('download-csv').getAttribute('href'),
                        json: document.getElementById('download-json').getAttribute('href') };"#,
        );
        assert_eq!(seen["query"], q, "{path}: the query is filled in");
        let cells: Vec<&str> = seen["cells"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
        assert!(cells.contains(&"杭州市公安局"), "{path}: the results are shown: {seen}");
        let links: Vec<&str> = seen["links"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
        assert!(links.contains(&"/id/agency/杭州市公安局"), "{path}: IRIs link to their /id/ page: {links:?}");
        assert!(seen["status"].as_str().unwrap().contains("rows"), "{seen}");
        for (key, format) in [("csv", "format=csv"), ("json", "format=json")] {
            let href = seen[key].as_str().unwrap();
            assert!(href.starts_with("/sparql?") && href.contains(format), "{href}");
            // The download link answers with the data.
            let (code, headers, body) = curl(&[&format!("{}{href}", ep.url)]);
            assert_eq!(code, 200);
            assert!(body.contains("杭州市公安局"), "{body}");
            assert!(headers.to_ascii_lowercase().contains(if key == "csv" { "text/csv" } else { "json" }), "{headers}");
        }
    }
}

#[test]
fn a_user_picks_an_example_runs_it_and_a_construct_is_a_table_of_triples() {
    require_browser();
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    let seen = browse(
        &format!("{}/", ep.url),
        r#"const select = document.getElementById('examples');
           select.value = 'outcomes-by-agency-campaign';
           select.dispatchEvent(new Event('change'));
           document.getElementById('run').click();
           const table = await wait(() => document.querySelector('#results table'));
           const example = { heads: [...table.querySelectorAll('th')].map(th => th.textContent),
                             rows: table.rows.length - 1 };
           document.getElementById('query').value =
             'CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a pk:Agency ; rdfs:label ?l }';
           document.getElementById('results').textContent = '';
           document.getElementById('run').click();
           const triples = await wait(() => document.querySelector('#results table'));
           document.getElementById('copy-link').click();
           await wait(() => location.search.includes('query='));
           return { example,
                    heads: [...triples.querySelectorAll('th')].map(th => th.textContent),
                    cells: [...triples.querySelectorAll('td')].map(td => td.textContent),
                    shared: location.href };"#,
    );
    assert!(seen["example"]["rows"].as_u64().unwrap() > 0, "the example's rows: {seen}");
    assert_eq!(seen["heads"], serde_json::json!(["subject", "predicate", "object"]), "{seen}");
    let cells: Vec<&str> = seen["cells"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
    assert!(cells.contains(&"杭州市公安局") && cells.contains(&"id:agency/杭州市公安局"), "{cells:?}");
    // The copied link opens the same query.
    let shared = seen["shared"].as_str().unwrap();
    assert!(shared.contains("/?query=CONSTRUCT"), "{shared}");
}

#[test]
fn an_outcome_page_shows_its_value_agency_and_highlighted_evidence() {
    require_browser();
    let (_dir, store) = store();
    let ep = Endpoint::start(&store, &[]);
    let q = "SELECT ?o WHERE { ?o a pk:Outcome ; pk:attributedTo ?a ; pk:evidence ?e } ORDER BY ?o LIMIT 1";
    let (_, _, csv) = curl(&[
        "-G",
        &format!("{}/sparql", ep.url),
        "--data-urlencode",
        &format!("query={q}"),
        "-H",
        "Accept: text/csv",
    ]);
    let outcome = csv.lines().nth(1).expect("an outcome").trim().to_owned();
    let path = outcome.strip_prefix("https://w3id.org/policekg/id/").unwrap();
    let seen = browse(
        &format!("{}/id/{path}", ep.url),
        r#"const dl = await wait(() => document.querySelector('dl.outcome'));
           const items = {};
           for (const dt of dl.querySelectorAll('dt')) items[dt.textContent] = dt.nextElementSibling.textContent;
           const doc = [...dl.querySelectorAll('dd a')].map(a => a.getAttribute('href')).find(h => h.startsWith('/id/doc/'));
           return { title: document.querySelector('h1').textContent, items, doc,
                    mark: document.querySelector('mark.evidence')?.textContent,
                    labels: [...document.querySelectorAll('td a')].map(a => a.textContent) };"#,
    );
    let items = &seen["items"];
    for key in ["value", "metric", "agency", "evidence", "document"] {
        assert!(items[key].as_str().is_some_and(|v| !v.is_empty()), "{key}: {seen}");
    }
    assert!(items["agency"].as_str().unwrap().contains("公安"), "the agency by its label: {seen}");
    assert_eq!(seen["mark"], items["evidence"], "the evidence clause is highlighted");
    assert_eq!(seen["title"], items["evidence"], "an outcome is titled with its clause, not its IRI");
    let doc = seen["doc"].as_str().expect("a link to the document");
    let (code, _, _) = curl(&[&format!("{}{}", ep.url, doc)]);
    assert_eq!(code, 200, "{doc}");
    let labels: Vec<&str> = seen["labels"].as_array().unwrap().iter().filter_map(|l| l.as_str()).collect();
    assert!(!labels.iter().any(|l| l.starts_with("id:agency/")), "linked agencies shown by label: {labels:?}");
}
