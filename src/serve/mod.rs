//! The serve stage: the store over HTTP.
//!
//! - the W3C SPARQL 1.1 Protocol at `/sparql` (and `/query`, `/update`, Oxigraph's paths): GET, POST
//!   form-encoded, POST `application/sparql-query`, with `default-graph-uri`/`named-graph-uri`, results
//!   negotiated as SPARQL JSON, XML, CSV or TSV and graphs as Turtle, N-Triples, JSON-LD or RDF/XML; a
//!   service description when `/sparql` is read without a query;
//! - the SPARQL 1.1 Graph Store Protocol for reading graphs at `/store?graph=IRI` and `/store?default`;
//! - dereferenceable instance IRIs: `/id/...` describes `<BASE...>` as HTML to a browser and as
//!   Turtle or JSON-LD to other clients;
//! - a query page at `/` with the named queries as examples.
//!
//! Two processes share the work, so that no request can end the server:
//!
//! - the front ([`http`]): hyper on tokio, with the HTTP limits (header size and count, request line,
//!   body, read timeouts, open connections) as named constants; it parses nothing of SPARQL;
//! - query workers ([`pool`], [`worker`]): child processes of the same binary that open the store
//!   (read-only, so several share it) and answer one request at a time with [`handle`]. The front kills
//!   a worker whose request outlives `--timeout` or whose memory passes `--max-memory`, answers 503, and
//!   starts another. A worker that crashes (a stack overflow in the parser, say) ends only its request.
//!
//! Inside a worker, a query is first measured against the nesting and size budget ([`budget`]) before the
//! recursive parser sees it; evaluation is cancelled at the deadline where Oxigraph checks its token (on
//! every read of the store); sorts and joins held in memory do not check it, which is why the front
//! kills. [`handle`] is the whole protocol as a function from [`Request`] to [`Response`], so it is
//! tested in-process without a socket.

pub mod budget;
pub mod http;
mod message;
mod negotiate;
mod pages;
pub mod pool;
mod protocol;
mod resources;
pub mod worker;

pub use http::{Limits, Listener, ServeError};
pub use message::{Request, Response};
pub use negotiate::negotiate;
pub use pool::PoolConfig;
pub use protocol::{handle, parse_form};
pub use resources::id_path_to_iri;

use crate::store::KgStore;
use crate::vocab::DEFAULT_BASE;
use std::time::Duration;

/// Where `policekg serve` listens unless told otherwise: loopback only.
pub const DEFAULT_BIND: &str = "127.0.0.1:7878";
/// How long one query may run before it is cancelled.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How many solutions (or triples) one response may hold.
pub const DEFAULT_MAX_RESULTS: usize = 100_000;

/// How one worker answers requests.
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

/// What a worker holds: the store, the settings and the query watchdog.
pub struct Server {
    store: KgStore,
    config: Config,
    watchdog: budget::Watchdog,
}

impl Server {
    pub fn new(store: KgStore, config: Config) -> Self {
        Self { store, config, watchdog: budget::Watchdog::start() }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &KgStore {
        &self.store
    }
}
