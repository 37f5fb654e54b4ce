//! Helpers of the endpoint tests: a real `policekg serve` on a free loopback port, curl, and raw HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A `policekg serve` child on a free loopback port; stopped with SIGINT (as Ctrl-C) or killed on drop.
pub struct Endpoint {
    pub child: Child,
    pub url: String,
}

impl Endpoint {
    pub fn start(store: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policekg"))
            .args(["serve", "--store", store.to_str().unwrap(), "--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("policekg serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("the first line names the address: {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Endpoint { child, url }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server's query worker processes (its children), once `n` of them run (they start after the
    /// address is printed).
    pub fn workers(&self, n: usize) -> Vec<u32> {
        let pid = self.child.id();
        let mut children = Vec::new();
        for _ in 0..600 {
            children = std::fs::read_dir("/proc")
                .unwrap()
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter(|p| {
                    let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
                    // pid (comm) state ppid ...: the fields after the closing parenthesis.
                    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
                    rest.split_whitespace().nth(1).and_then(|pp| pp.parse::<u32>().ok()) == Some(pid)
                })
                .collect();
            if children.len() >= n {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        children
    }

    /// Sends SIGINT, as Ctrl-C does, and waits for the exit.
    pub fn interrupt(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn require_curl() {
    let found = Command::new("curl").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "curl is missing: run scripts/test.sh (it installs curl)");
}

/// Runs curl; returns (HTTP status, headers, body).
pub fn curl(args: &[&str]) -> (u16, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("headers");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "120", "-D", headers.to_str().unwrap(), "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), std::fs::read_to_string(headers).unwrap(), body.to_owned())
}

/// A raw HTTP exchange: writes `request` (stopping quietly if the server closes first), then reads
/// the answer. Returns the status (`None` when the connection ended without one) and the whole text.
pub fn raw(addr: &str, request: &[u8]) -> (Option<u16>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    for chunk in request.chunks(64 * 1024) {
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.strip_prefix("HTTP/1.1 ").and_then(|t| t.get(..3)).and_then(|c| c.parse().ok());
    (status, text)
}

/// A POST of `application/sparql-query` as raw HTTP.
pub fn post_query(addr: &str, query: &str) -> (Option<u16>, String) {
    let head = format!(
        "POST /sparql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/sparql-query\r\nContent-Length: {}\r\n\r\n",
        query.len()
    );
    raw(addr, &[head.as_bytes(), query.as_bytes()].concat())
}

/// A GET of `/sparql?query=...` as raw HTTP.
pub fn get_query(addr: &str, query: &str) -> (Option<u16>, String) {
    let encoded: String = query
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    raw(addr, format!("GET /sparql?query={encoded} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
}
