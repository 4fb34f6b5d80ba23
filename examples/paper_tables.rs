//! The tables of docs/validation.md, "What the simulations show", from the runs of
//! `examples/sweeps/paper.toml`:
//! mean ± standard deviation of CKA over seeds for each cell.
//!
//! ```sh
//! labelbudget simulate --sweep examples/sweeps/paper.toml --no-timing --out paper-runs.csv
//! cargo run --release --example paper_tables -- paper-runs.csv
//! ```

use labelbudget::sim::RunRecord;
use labelbudget::sim::runs_io::read_csv;
use std::collections::BTreeMap;

/// (classes, noise in thousandths, soft annotators, signal, n)
type Key = (usize, u64, usize, String, u64);

fn key(classes: usize, noise: f64, k: usize, signal: &str, n: u64) -> Key {
    (
        classes,
        (noise * 1000.0).round() as u64,
        k,
        signal.to_string(),
        n,
    )
}

struct Cells(BTreeMap<Key, Vec<f64>>);

impl Cells {
    fn new(runs: &[RunRecord]) -> Cells {
        let mut map: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
        for r in runs {
            let k = key(
                r.classes,
                r.noise,
                r.soft_annotators,
                &r.signal.to_string(),
                r.n,
            );
            map.entry(k).or_default().push(r.cka);
        }
        Cells(map)
    }

    /// "mean ± sd" of one cell, or "-" when the sweep has no such runs.
    fn cell(&self, classes: usize, noise: f64, k: usize, signal: &str, n: u64) -> String {
        match self.0.get(&key(classes, noise, k, signal, n)) {
            Some(v) if v.len() > 1 => {
                let m = v.iter().sum::<f64>() / v.len() as f64;
                let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
                format!("{m:.3} ± {:.3}", var.sqrt())
            }
            Some(v) => format!("{:.3}", v[0]),
            None => "-".to_string(),
        }
    }
}

fn header(first: &str, cols: &[String]) {
    println!("| {first} | {} |", cols.join(" | "));
    println!("|{}", "---|".repeat(cols.len() + 1));
}

fn main() -> labelbudget::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "paper-runs.csv".to_string());
    let cells = Cells::new(&read_csv(path.as_ref())?);
    let signals = ["soft", "hard", "triplet", "pair"];
    let row = |label: String, cols: Vec<String>| println!("| {label} | {} |", cols.join(" | "));

    // every signal's curve at `classes`, noise 0.2, over `ns`
    let curves = |classes: usize, ns: &[u64]| {
        header(
            "signal",
            &ns.iter().map(|n| format!("n = {n}")).collect::<Vec<_>>(),
        );
        for s in signals {
            row(
                s.into(),
                ns.iter()
                    .map(|&n| cells.cell(classes, 0.2, 0, s, n))
                    .collect(),
            );
        }
    };
    println!("Learning curves at C = 10, noise 0.2\n");
    curves(10, &[20, 50, 200, 1000, 5000]);

    println!("\nThe dimension cap at C = 4\n");
    curves(4, &[1000, 5000, 20000]);

    println!("\nAnnotator noise at C = 10\n");
    let es = [0.0, 0.1, 0.2, 0.4];
    header("signal", &es.map(|e| format!("e = {e:.1}")));
    for n in [200, 1000, 5000] {
        for s in signals {
            row(
                format!("{s}, n = {n}"),
                es.iter().map(|&e| cells.cell(10, e, 0, s, n)).collect(),
            );
        }
    }

    println!("\nSoft labels pooled from K annotators (C = 10, noise 0.2)\n");
    header(
        "n",
        &["K = 1", "K = 3", "K = 10", "exact"].map(String::from),
    );
    for n in [200, 1000] {
        row(
            n.to_string(),
            [1, 3, 10, 0]
                .iter()
                .map(|&k| cells.cell(10, 0.2, k, "soft", n))
                .collect(),
        );
    }

    println!("\nThe number of classes at d = 16\n");
    let cs = [2, 4, 10, 30, 100];
    header("signal, n", &cs.map(|c| format!("C = {c}")));
    for s in ["hard", "soft"] {
        for n in [100, 1000, 5000] {
            row(
                format!("{s}, {n}"),
                cs.iter().map(|&c| cells.cell(c, 0.2, 0, s, n)).collect(),
            );
        }
    }
    row(
        "cap sqrt(min(C-1,d)/d)".into(),
        cs.iter()
            .map(|&c| format!("{:.3}", ((c - 1).min(16) as f64 / 16.0).sqrt()))
            .collect(),
    );
    Ok(())
}
