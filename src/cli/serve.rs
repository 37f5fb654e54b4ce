//! `policekg serve`: the store over the SPARQL 1.1 Protocol, until Ctrl-C. The same command, with the
//! hidden `--worker`, is a query worker the server starts.

use anyhow::{bail, Context, Result};
use clap::ValueHint;
use policekg::serve::{self, Config, Limits, Listener, PoolConfig, Server};
use policekg::store::KgStore;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
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
    /// server is read-only. A writable server has one query worker (the store has one writer).
    #[arg(long)]
    writable: bool,
    /// Answer a query that runs longer than this many seconds with 503 (it is cancelled, or its worker
    /// killed and replaced).
    #[arg(long, default_value_t = serve::DEFAULT_TIMEOUT.as_secs_f64())]
    timeout: f64,
    /// Refuse results with more than this many rows or triples (ask clients to add a LIMIT).
    #[arg(long, default_value_t = serve::DEFAULT_MAX_RESULTS)]
    max_results: usize,
    /// Memory bound, in MiB, of all query workers together: past it, the largest running query is
    /// cancelled (503).
    #[arg(long, default_value_t = serve::pool::DEFAULT_MAX_MEMORY >> 20, value_parser = clap::value_parser!(u64).range(64..))]
    max_memory: u64,
    /// Query worker processes answering at once (default: the number of CPUs, at least 2). Each holds
    /// the store open read-only.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: Option<u32>,
    /// Base of instance IRIs: GET /id/x describes <BASE + x>.
    #[arg(long, default_value = policekg::vocab::DEFAULT_BASE, value_hint = ValueHint::Url)]
    base: String,
    /// Run as a query worker of a server: requests in on stdin, answers out on stdout.
    #[arg(long, hide = true)]
    worker: bool,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a number of seconds > 0");
    }
    if args.max_results == 0 {
        bail!("--max-results must be at least 1");
    }
    let base = policekg::model::Iris::new(&args.base)?.base().to_owned();
    let config = Config {
        writable: args.writable,
        timeout: Duration::from_secs_f64(args.timeout),
        max_results: args.max_results,
        base,
    };
    if args.worker {
        return run_worker(&args, config);
    }
    let workers = match (args.writable, args.threads) {
        (true, _) => 1,
        (false, Some(t)) => t as usize,
        (false, None) => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(2),
    };
    let pool = PoolConfig {
        command: worker_command(&args)?,
        workers,
        timeout: config.timeout,
        max_memory: args.max_memory << 20,
    };
    let listener = Listener::bind(&args.bind)?;
    let addr = listener.local_addr().context("the server has no IP address")?;
    // The first line names the address, so scripts started with port 0 can read it.
    println!("policekg serve: listening on http://{addr}/ (SPARQL endpoint http://{addr}/sparql)");
    eprintln!(
        "store {} ({}), {} query worker(s), timeout {}s, at most {} results, {} MiB for queries; Ctrl-C stops",
        args.store.display(),
        if config.writable { "writable: SPARQL Update allowed" } else { "read-only" },
        workers,
        args.timeout,
        args.max_results,
        args.max_memory
    );
    listener.run(pool, Limits::default())?;
    eprintln!("policekg serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// This program, as a worker with the same settings.
fn worker_command(args: &ServeArgs) -> Result<Vec<OsString>> {
    let exe = std::env::current_exe().context("cannot find this program to start query workers")?;
    let mut command: Vec<OsString> = vec![exe.into(), "serve".into(), "--worker".into(), "--store".into()];
    command.push(std::path::absolute(&args.store)?.into());
    for (flag, value) in [
        ("--timeout", args.timeout.to_string()),
        ("--max-results", args.max_results.to_string()),
        ("--base", args.base.clone()),
    ] {
        command.extend([flag.into(), value.into()]);
    }
    if args.writable {
        command.push("--writable".into());
    }
    Ok(command)
}

fn run_worker(args: &ServeArgs, config: Config) -> Result<ExitCode> {
    // Ctrl-C in a terminal reaches the whole process group: the server stops its workers itself, after
    // the requests in flight (a worker also ends when its standard input closes).
    ctrlc::set_handler(|| {}).context("cannot install the Ctrl-C handler")?;
    // A read-only worker shares the store with the other workers and other readers.
    let kg = if args.writable { KgStore::open_existing(&args.store)? } else { KgStore::open_read_only(&args.store)? };
    serve::worker::serve(Server::new(kg, config)).context("query worker")?;
    Ok(ExitCode::SUCCESS)
}
