//! Prints what ingest reads from files, folders or `-` (JSONL on stdin): one block per article.
//!
//! `cargo run -p policekg-extract --example ingest -- data/samples [--full]`

use std::path::PathBuf;

use policekg_extract::ingest::read_inputs;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--full");
    let paths: Vec<PathBuf> = args.iter().filter(|a| *a != "--full").map(PathBuf::from).collect();
    let head = |text: &str| -> String {
        if full {
            text.to_owned()
        } else {
            text.chars().take(300).collect()
        }
    };
    for article in read_inputs(&paths) {
        match article {
            Ok(a) => {
                println!(
                    "== {} id={} title={:?} date={:?} source={:?} author={:?} chars={} traditional={}",
                    a.origin,
                    a.id,
                    a.title,
                    a.date,
                    a.source,
                    a.author,
                    a.body.chars().count(),
                    a.is_traditional()
                );
                println!("{}", head(&a.body));
                if a.is_traditional() {
                    println!("-- simplified:\n{}", head(&a.simplified));
                }
            }
            Err(e) => eprintln!("error: {e}"),
        }
    }
}
