//! Write a synthetic annotation log from the simulator's annotator, with its true information.
//!
//! ```sh
//! cargo run --release --example info_synthetic_log -- OUT.csv [ITEMS] [PER_ITEM] [ANNOTATORS] [RANDOM_ANNOTATORS] [SEED]
//! ```
//! The truth is printed as JSON on standard output and written next to the log as
//! `OUT.truth.json`. Defaults: 300 items, 10 annotations each, 20 annotators, 2 of them answering
//! at random, seed 1, in the default scenario (C = 10, d = 16, error rate 0.2).
//! `examples/info/annotations_synthetic.csv` was made with the defaults.

use labelbudget::Scenario;
use labelbudget::info::synthetic::{SyntheticSpec, write_synthetic_log};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().ok_or(
        "usage: info_synthetic_log OUT.csv [ITEMS] [PER_ITEM] [ANNOTATORS] [RANDOM] [SEED]",
    )?;
    let num = |i: usize, default: u64| -> Result<u64, Box<dyn std::error::Error>> {
        Ok(match args.get(i) {
            Some(v) => v.parse()?,
            None => default,
        })
    };
    let spec = SyntheticSpec {
        scenario: Scenario::default(),
        items: num(1, 300)? as usize,
        per_item: num(2, 10)? as usize,
        annotators: num(3, 20)? as usize,
        spammers: num(4, 2)? as usize,
        seed: num(5, 1)?,
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    let truth = write_synthetic_log(&spec, &mut w)?;
    w.flush()?;
    let json = serde_json::to_string_pretty(&serde_json::json!({ "spec": spec, "truth": truth }))?;
    let truth_path = std::path::Path::new(out).with_extension("truth.json");
    std::fs::write(&truth_path, format!("{json}\n"))?;
    println!("{json}");
    Ok(())
}
