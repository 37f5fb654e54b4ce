//! Requests and responses as the protocol sees them, and the refusals, one small helper each, so every
//! refusal says what happened and what to do.

use std::time::Duration;

/// An HTTP request as the handler sees it (built by the front, or by hand in tests).
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
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self { status, headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
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
// Refusals.

pub(super) fn error(status: u16, message: impl Into<String>) -> Response {
    let mut m = message.into();
    m.push('\n');
    Response::new(status, "text/plain; charset=utf-8", m)
}

pub(super) fn bad_request(message: impl Into<String>) -> Response {
    error(400, message)
}

pub(super) fn not_found(what: &str) -> Response {
    error(404, format!("{what}: not found. The query endpoint is /sparql, the query page is /, graphs are at /store?graph=IRI and resources at /id/..."))
}

pub(super) fn method_not_allowed(method: &str, path: &str, allowed: &str) -> Response {
    error(405, format!("{method} is not allowed on {path} (allowed: {allowed})")).with_header("Allow", allowed)
}

pub(super) fn the_server_is_read_only() -> Response {
    error(403, "the server is read-only: start it with `policekg serve --writable` to allow SPARQL Update")
}

pub(super) fn not_acceptable(offered: &[&str]) -> Response {
    error(406, format!("none of the media types in Accept can be served here; available: {}", offered.join(", ")))
}

pub(super) fn unsupported_media_type(ct: &str) -> Response {
    error(
        415,
        format!("unsupported Content-Type {ct:?}: send application/sparql-query, application/sparql-update or application/x-www-form-urlencoded"),
    )
}

pub(super) fn payload_too_large(limit: usize) -> Response {
    error(413, format!("the request body is larger than {limit} bytes: send a smaller query"))
}

pub(super) fn request_timeout(what: &str) -> Response {
    error(408, format!("the {what} did not arrive in time"))
}

/// Every worker is busy and the queue is full (or the wait too long): come back later.
pub(super) fn busy(retry_after: Duration) -> Response {
    error(503, "the server is busy: every query worker is taken and the queue is full; try again shortly")
        .with_header("Retry-After", &retry_after.as_secs().max(1).to_string())
}

pub(super) fn out_of_memory(limit_bytes: u64) -> Response {
    error(
        503,
        format!(
            "the query was cancelled: the query workers passed the server's memory bound ({} MB, --max-memory)",
            limit_bytes >> 20
        ),
    )
}

/// A worker process ended while it held the request: the query found a fault of the server.
pub(super) fn worker_died(how: &str) -> Response {
    error(500, format!("internal error: the query worker ended ({how}) while answering; it has been replaced"))
}

pub(super) fn too_many_results(limit: usize) -> Response {
    error(400, format!("the result has more than {limit} rows or triples (the server's --max-results): add a LIMIT, or ask for a smaller part"))
}

pub(super) fn timed_out(timeout: Duration) -> Response {
    // 503: the server gave up on it; the client may ask for less (a LIMIT, a narrower pattern).
    error(
        503,
        format!("the query ran longer than {}s (the server's --timeout) and was cancelled", timeout.as_secs_f64()),
    )
}

pub(super) fn internal_error(e: impl std::fmt::Display) -> Response {
    error(500, format!("internal error: {e}"))
}
