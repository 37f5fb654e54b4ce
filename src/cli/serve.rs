//! `policekg serve`: the store over the SPARQL 1.1 Protocol, until Ctrl-C.

use anyhow::{bail, Context, Result};
use clap::ValueHint;
use policekg::serve::{self, Config, Listener, Server};
use policekg::store::KgStore;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Flags of `policekg serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The store directory. The server holds it open: stop the server (Ctrl-C) before running
    /// `policekg build` on the same store.
    #[arg(long, short, value_hint = ValueHint::DirPath)]
    store: PathBuf,
    /// Address and port to listen on (port 0 picks a free one). Other machines can reach a server bound
    /// to 0.0.0.0: only do that on a trusted network.
    #[arg(long, short, default_value = serve::DEFAULT_BIND)]
    bind: String,
    /// Allow SPARQL Update (POST /sparql with `update=` or application/sparql-update). Without it the
    /// server is read-only.
    #[arg(long)]
    writable: bool,
    /// Cancel a query after this many seconds.
    #[arg(long, default_value_t = serve::DEFAULT_TIMEOUT.as_secs_f64())]
    timeout: f64,
    /// Refuse results with more than this many rows or triples (ask clients to add a LIMIT).
    #[arg(long, default_value_t = serve::DEFAULT_MAX_RESULTS)]
    max_results: usize,
    /// Worker threads answering requests concurrently (default: the number of CPUs, at least 4).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Base of instance IRIs: GET /id/x describes <BASE + x>.
    #[arg(long, default_value = policekg::vocab::DEFAULT_BASE, value_hint = ValueHint::Url)]
    base: String,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a number of seconds > 0");
    }
    if args.max_results == 0 {
        bail!("--max-results must be at least 1");
    }
    let base = policekg::model::Iris::new(&args.base)?.base().to_owned();
    // A read-only server shares the store with other readers (queries, exports, more servers).
    let kg = if args.writable { KgStore::open_existing(&args.store)? } else { KgStore::open_read_only(&args.store)? };
    let config = Config {
        writable: args.writable,
        timeout: Duration::from_secs_f64(args.timeout),
        max_results: args.max_results,
        base,
    };
    let threads = args
        .threads
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(4));
    let listener = Listener::bind(&args.bind)?;
    let addr = listener.local_addr().context("the server has no IP address")?;
    let shutdown = Arc::new(AtomicBool::new(false));
    {
        let shutdown = Arc::clone(&shutdown);
        ctrlc::set_handler(move || shutdown.store(true, Ordering::SeqCst))
            .context("cannot install the Ctrl-C handler")?;
    }
    // The first line names the address, so scripts started with port 0 can read it.
    println!("policekg serve: listening on http://{addr}/ (SPARQL endpoint http://{addr}/sparql)");
    eprintln!(
        "store {} ({}), {} worker(s), timeout {}s, at most {} results; Ctrl-C stops",
        args.store.display(),
        if config.writable { "writable: SPARQL Update allowed" } else { "read-only" },
        threads,
        args.timeout,
        args.max_results
    );
    let server = Arc::new(Server::new(kg, config));
    listener.run(Arc::clone(&server), threads, shutdown);
    drop(server);
    eprintln!("policekg serve: stopped");
    Ok(ExitCode::SUCCESS)
}
