//! The query workers: child processes that answer requests one at a time, started, watched and
//! replaced by the front.
//!
//! A request waits in a bounded queue for a free worker (503 with `Retry-After` past the bound or after
//! [`QUEUE_WAIT`]); a worker that outlives `--timeout` (plus [`KILL_GRACE`]) is killed, as is the
//! largest busy worker when all workers together pass `--max-memory`. A worker that ends (a crash, a
//! kill) is replaced by a new one on the next request that needs it.

use super::message::{busy, internal_error, out_of_memory, timed_out, worker_died};
use super::worker::{decode_response, encode_request, frame_len, READY};
use super::{Request, Response};
use std::collections::HashMap;
use std::ffi::OsString;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Notify, Semaphore};

/// All query workers together may hold this much memory unless `--max-memory` says otherwise.
pub const DEFAULT_MAX_MEMORY: u64 = 1 << 30;
/// Requests that may wait for a worker; more are answered 503 at once.
pub const MAX_QUEUE: usize = 64;
/// How long a request waits for a worker before it is answered 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// How long after its deadline a worker is killed: inside it, Oxigraph's own cancellation answers first
/// where the query reads the store.
pub const KILL_GRACE: Duration = Duration::from_millis(500);
/// How often the workers' memory is read.
const MEMORY_POLL: Duration = Duration::from_millis(50);
/// How long a new worker may take to open the store.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// The largest response a worker may send (results are bounded by `--max-results` well before this).
const MAX_RESPONSE_FRAME: usize = 1 << 30;

/// How the pool runs its workers.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The worker's command line: the program and its arguments (`policekg serve --worker ...`).
    pub command: Vec<OsString>,
    /// How many workers answer at once.
    pub workers: usize,
    /// The per-query deadline (the workers cancel at it; the pool kills [`KILL_GRACE`] later).
    pub timeout: Duration,
    /// The bound on the resident memory of all workers together, in bytes.
    pub max_memory: u64,
}

/// One worker process and its pipes.
struct Worker {
    child: Child,
    pid: u32,
    input: ChildStdin,
    output: ChildStdout,
}

/// Why a request did not get its worker's answer.
enum Lost {
    Timeout,
    Memory,
    Died(String),
}

pub struct Pool {
    config: PoolConfig,
    idle: Mutex<Vec<Worker>>,
    slots: Semaphore,
    waiting: AtomicUsize,
    /// Every live worker by pid; busy ones with the signal that kills their request for memory.
    live: Mutex<HashMap<u32, Option<Arc<Notify>>>>,
}

impl Pool {
    /// Starts the workers; fails if the first cannot open the store.
    pub async fn start(config: PoolConfig) -> std::io::Result<Arc<Pool>> {
        let workers = config.workers.max(1);
        let pool = Arc::new(Pool {
            config,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(workers),
            waiting: AtomicUsize::new(0),
            live: Mutex::new(HashMap::new()),
        });
        for _ in 0..workers {
            let worker = pool.spawn_worker().await?;
            lock(&pool.idle).push(worker);
        }
        tokio::spawn(Arc::clone(&pool).watch_memory());
        Ok(pool)
    }

    /// Each worker's memory limit before it is replaced after a request: the share of one worker.
    fn recycle_above(&self) -> u64 {
        self.config.max_memory / (2 * self.config.workers.max(1) as u64)
    }

    async fn spawn_worker(&self) -> std::io::Result<Worker> {
        let (program, args) = self.config.command.split_first().expect("a worker command");
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().unwrap_or(0);
        let (input, mut output) = (child.stdin.take().expect("piped"), child.stdout.take().expect("piped"));
        let mut ready = [0u8; READY.len()];
        let started = tokio::time::timeout(START_TIMEOUT, output.read_exact(&mut ready)).await;
        if !matches!(started, Ok(Ok(_))) || &ready != READY {
            let status = child.wait().await.map(|s| s.to_string()).unwrap_or_default();
            return Err(std::io::Error::other(format!("a query worker did not start ({status})")));
        }
        lock(&self.live).insert(pid, None);
        Ok(Worker { child, pid, input, output })
    }

    /// Answers one request with a worker, within the queue bound, the deadline and the memory bound.
    pub async fn answer(&self, req: &Request) -> Response {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_QUEUE {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return busy(QUEUE_WAIT);
        }
        let slot = tokio::time::timeout(QUEUE_WAIT, self.slots.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let Ok(Ok(_slot)) = slot else {
            return busy(QUEUE_WAIT);
        };
        let popped = lock(&self.idle).pop();
        let mut worker = match popped {
            Some(w) => w,
            None => match self.spawn_worker().await {
                Ok(w) => w,
                Err(e) => return internal_error(e),
            },
        };
        let kill = Arc::new(Notify::new());
        lock(&self.live).insert(worker.pid, Some(Arc::clone(&kill)));
        let deadline = self.config.timeout + KILL_GRACE;
        let outcome = tokio::select! {
            r = exchange(&mut worker, req) => r.map_err(|e| Lost::Died(e.to_string())),
            () = tokio::time::sleep(deadline) => Err(Lost::Timeout),
            () = kill.notified() => Err(Lost::Memory),
        };
        match outcome {
            Ok(response) if rss_bytes(worker.pid).unwrap_or(0) <= self.recycle_above() => {
                lock(&self.live).insert(worker.pid, None);
                lock(&self.idle).push(worker);
                response
            }
            // It answered but kept too much memory (allocators rarely give back): a fresh one next time.
            Ok(response) => {
                lock(&self.live).remove(&worker.pid);
                drop(worker); // killed on drop, reaped in the background
                response
            }
            Err(Lost::Died(e)) => {
                let status = self.retire(worker).await;
                worker_died(&format!("{status}; {e}"))
            }
            // The answer goes out at once: a process of some gigabytes takes a second or two to exit.
            Err(lost) => {
                lock(&self.live).remove(&worker.pid);
                let _ = worker.child.start_kill();
                tokio::spawn(async move { worker.child.wait().await });
                match lost {
                    Lost::Memory => out_of_memory(self.config.max_memory),
                    _ => timed_out(self.config.timeout),
                }
            }
        }
    }

    /// Kills a worker and waits for it; returns how it ended.
    async fn retire(&self, mut worker: Worker) -> String {
        lock(&self.live).remove(&worker.pid);
        let _ = worker.child.start_kill();
        worker.child.wait().await.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string())
    }

    /// Stops every idle worker (busy ones are killed when their request ends or the pool is dropped).
    pub async fn shutdown(&self) {
        let idle: Vec<Worker> = lock(&self.idle).drain(..).collect();
        for worker in idle {
            self.retire(worker).await;
        }
    }

    /// Polls the workers' resident memory; past the bound, the largest busy worker's request is ended.
    async fn watch_memory(self: Arc<Self>) {
        loop {
            tokio::time::sleep(MEMORY_POLL).await;
            let live: Vec<(u32, Option<Arc<Notify>>)> =
                lock(&self.live).iter().map(|(pid, kill)| (*pid, kill.clone())).collect();
            let mut sizes = Vec::with_capacity(live.len());
            for (pid, kill) in live {
                match rss_bytes(pid) {
                    Some(rss) => sizes.push((rss, kill)),
                    // Gone (killed with a request whose client left): forget it.
                    None => drop(lock(&self.live).remove(&pid)),
                }
            }
            if sizes.iter().map(|(rss, _)| rss).sum::<u64>() <= self.config.max_memory {
                continue;
            }
            if let Some((_, Some(kill))) = sizes.into_iter().filter(|(_, k)| k.is_some()).max_by_key(|(rss, _)| *rss) {
                kill.notify_one();
            }
        }
    }
}

/// Sends the request and reads the response.
async fn exchange(worker: &mut Worker, req: &Request) -> std::io::Result<Response> {
    let frame = encode_request(req);
    worker.input.write_all(&frame_len(&frame)?).await?;
    worker.input.write_all(&frame).await?;
    worker.input.flush().await?;
    let len = worker.output.read_u32_le().await? as usize;
    if len > MAX_RESPONSE_FRAME {
        return Err(std::io::Error::other(format!("a response of {len} bytes")));
    }
    let mut frame = vec![0; len];
    worker.output.read_exact(&mut frame).await?;
    decode_response(&frame)
}

/// A process's resident memory, from `/proc` (Linux); `None` once it is gone.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim();
    kb.parse::<u64>().ok().map(|kb| kb * 1024)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
