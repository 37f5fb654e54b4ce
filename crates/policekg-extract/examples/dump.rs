//! Prints what extraction reads from files or folders: one JSON line per article
//! (`{"id", "date", "title", "extraction"}`), or with `--explain` the readable report of each.
//!
//! `cargo run -p policekg-extract --release --example dump -- ../shared/corpus/dev [--explain]`

use std::path::PathBuf;

use policekg_extract::extract::explain;
use policekg_extract::ingest::read_inputs;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let explain_mode = args.iter().any(|a| a == "--explain");
    let paths: Vec<PathBuf> = args.iter().filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    for article in read_inputs(&paths) {
        match article {
            Ok(a) => {
                let x = policekg_extract::extract(&a);
                if explain_mode {
                    println!("{}", explain(&a, &x));
                } else {
                    println!("{}", serde_json::json!({"id": a.id, "date": a.date, "title": a.title, "extraction": x}));
                }
            }
            Err(e) => eprintln!("error: {e}"),
        }
    }
}
