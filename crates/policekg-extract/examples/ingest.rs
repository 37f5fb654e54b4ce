//! Prints what ingest reads from files, folders or `-` (JSONL on stdin): one block per article.
//!
//! `cargo run -p policekg-extract --example ingest -- data/samples [--full]`

use std::path::PathBuf;

use policekg_extract::ingest::{collect_inputs, read_file};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--full");
    let paths: Vec<PathBuf> = args.iter().filter(|a| *a != "--full").map(PathBuf::from).collect();
    for input in collect_inputs(&paths) {
        let (path, kind) = match input {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                continue;
            }
        };
        for article in read_file(&path, kind) {
            match article {
                Ok(a) => {
                    println!("== {} [{:?}] id={} title={:?} date={:?} source={:?} author={:?} chars={} traditional={}",
                        a.origin, kind, a.id, a.title, a.date, a.source, a.author, a.body.chars().count(), a.is_traditional());
                    let shown: String = if full { a.body.clone() } else { a.body.chars().take(300).collect() };
                    println!("{shown}");
                    if a.is_traditional() {
                        let s: String = if full { a.simplified.clone() } else { a.simplified.chars().take(300).collect() };
                        println!("-- simplified:\n{s}");
                    }
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
    }
}
