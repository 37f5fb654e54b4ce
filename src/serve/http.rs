//! The HTTP front: hyper on tokio, with every limit a named constant. It reads requests within the
//! limits, hands them to the query workers ([`super::pool`]) and writes their answers; it never parses
//! SPARQL and never opens the store, so nothing a client sends can bring it down.
//!
//! Why hyper and not tiny_http (used before): tiny_http reads headers of any size (a 100 MB header was
//! read whole), cannot time out a connection that sends nothing, and holds a thread per connection
//! (2,000 idle connections were 2,012 threads). hyper answers an oversized head with 431 by itself and
//! times out slow heads, and tokio holds an idle connection in a few kilobytes.

use super::message::{error, payload_too_large, request_timeout};
use super::pool::{Pool, PoolConfig};
use super::protocol::with_cors;
use super::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The request line and headers together, in bytes: past it, 431.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Header fields in one request: past it, 431.
pub const MAX_HEADERS: usize = 100;
/// The request body, in bytes: past it, 413 (a larger Content-Length is refused before reading). A
/// query of the budget's 1 MiB fits, also form-encoded with some escapes.
pub const MAX_BODY_BYTES: usize = 2 << 20;
/// A client has this long from connecting (or from its previous request) to send a whole head; an idle
/// or slow connection is closed after it.
pub const HEAD_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A client has this long to send the whole body: past it, 408.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a connection may stay open, whatever it does (a client that never reads its answer).
pub const MAX_CONNECTION_TIME: Duration = Duration::from_secs(600);
/// Open connections at once; a connection past the bound is answered 503 and closed. Under the usual
/// limit of 1,024 open files per process, with room for the workers' pipes.
pub const MAX_CONNECTIONS: usize = 1_000;
/// Worker threads of the front (it only moves bytes; the queries run in the workers).
const FRONT_THREADS: usize = 2;
/// How long a stopping server waits for requests in flight.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// The HTTP limits, the named constants by default (tests may lower them).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_head_bytes: usize,
    pub max_headers: usize,
    pub max_body_bytes: usize,
    pub head_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    pub max_connection_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_head_bytes: MAX_HEAD_BYTES,
            max_headers: MAX_HEADERS,
            max_body_bytes: MAX_BODY_BYTES,
            head_read_timeout: HEAD_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            max_connection_time: MAX_CONNECTION_TIME,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("cannot listen on {bind}")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the query workers")]
    Workers(#[source] std::io::Error),
    #[error("the server failed")]
    Io(#[from] std::io::Error),
}

/// A bound listener, before it serves.
pub struct Listener {
    listener: std::net::TcpListener,
}

impl Listener {
    pub fn bind(bind: &str) -> Result<Self, ServeError> {
        let bind_error = |source| ServeError::Bind { bind: bind.to_owned(), source };
        let listener = std::net::TcpListener::bind(bind).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        Ok(Self { listener })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Starts the workers, then serves until Ctrl-C (SIGINT); requests in flight are answered first.
    pub fn run(self, pool: PoolConfig, limits: Limits) -> Result<(), ServeError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(FRONT_THREADS)
            .thread_name("policekg-http")
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            // Listening for Ctrl-C from now on: a SIGINT while the workers start stops the server cleanly.
            let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
            let pool = Pool::start(pool).await.map_err(ServeError::Workers)?;
            let listener = tokio::net::TcpListener::from_std(self.listener)?;
            accept_until_interrupted(listener, Arc::clone(&pool), Arc::new(limits), interrupt).await;
            pool.shutdown().await;
            Ok(())
        })
    }
}

async fn accept_until_interrupted(
    listener: tokio::net::TcpListener,
    pool: Arc<Pool>,
    limits: Arc<Limits>,
    mut interrupt: tokio::signal::unix::Signal,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = interrupt.recv() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors, say: wait a little rather than spin.
            Err(e) => {
                eprintln!("policekg serve: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            // Past the bound: a short answer without reading the request, then close.
            let _ = stream.try_write(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            continue;
        };
        let (pool, limits) = (Arc::clone(&pool), Arc::clone(&limits));
        tokio::spawn(async move {
            let service = service_fn(|req| {
                let (pool, limits) = (Arc::clone(&pool), Arc::clone(&limits));
                async move { Ok::<_, std::convert::Infallible>(answer(&pool, &limits, req).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.head_read_timeout)
                .max_header_size(limits.max_head_bytes)
                .max_headers(limits.max_headers)
                // One request per connection: nothing idles between requests.
                .keep_alive(false)
                // Header names as clients have always seen them here (`Content-Type`).
                .title_case_headers(true)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(limits.max_connection_time, connection).await;
            drop(permit);
        });
    }
    // Stop accepting; let the requests in flight finish.
    drop(listener);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_WAIT, connections.acquire_many(all)).await;
}

/// One HTTP request: its body within the limits, then a worker's answer.
async fn answer(pool: &Pool, limits: &Limits, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let url = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let declared = parts.headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let response = if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        with_cors(payload_too_large(limits.max_body_bytes))
    } else {
        let read = tokio::time::timeout(limits.body_read_timeout, Limited::new(body, limits.max_body_bytes).collect());
        match read.await {
            Err(_) => with_cors(request_timeout("request body")),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                with_cors(payload_too_large(limits.max_body_bytes))
            }
            Ok(Err(e)) => with_cors(error(400, format!("the request body could not be read: {e}"))),
            Ok(Ok(collected)) => {
                let request = Request {
                    method: parts.method.as_str().to_ascii_uppercase(),
                    url: url.clone(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                        .collect(),
                    body: collected.to_bytes().to_vec(),
                };
                pool.answer(&request).await
            }
        }
    };
    if response.status >= 500 {
        let shown: String = url.chars().take(200).collect();
        eprintln!("policekg serve: {} {shown} -> {}: {}", parts.method, response.status, response.text().trim());
    }
    to_hyper(response)
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status).header("Server", "policekg");
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(Bytes::from(response.body))).unwrap_or_else(|e| {
        eprintln!("policekg serve: a response could not be built: {e}");
        let mut r = hyper::Response::new(Full::new(Bytes::from_static(b"internal error\n")));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
