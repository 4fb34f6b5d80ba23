//! Write a synthetic dataset from the simulator (truth known) for `labelbudget calibrate`.
//!
//! ```text
//! cargo run --release --example calibrate_synth -- OUT_DIR N FEATURES [csv]
//! ```
//! writes OUT_DIR/x.npy, y.npy, p.npy (or x.csv, y.csv, p.csv with `csv`): features of N items of
//! the default scenario with D = FEATURES, hard labels from its annotator, exact soft labels.

use labelbudget::Scenario;
use labelbudget::calibrate::synthetic::generate;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(a.get(1).map_or("synth", String::as_str));
    let n: usize = a.get(2).map_or(Ok(10_000), |s| s.parse())?;
    let features: usize = a.get(3).map_or(Ok(100), |s| s.parse())?;
    let csv = a.get(4).is_some_and(|s| s == "csv");
    let sc = Scenario {
        features,
        ..Scenario::default()
    };
    let (x, y, p) = generate(&sc, n, 0)?;
    std::fs::create_dir_all(&dir)?;
    if csv {
        let mat = |m: &ndarray::Array2<f64>| {
            m.rows()
                .into_iter()
                .map(|r| {
                    r.iter()
                        .map(|v| format!("{v:.4}"))
                        .collect::<Vec<_>>()
                        .join(",")
                        + "\n"
                })
                .collect::<String>()
        };
        labelbudget::io::write_atomic(&dir.join("x.csv"), mat(&x).as_bytes())?;
        labelbudget::io::write_atomic(&dir.join("p.csv"), mat(&p).as_bytes())?;
        let ys: String = y.iter().map(|v| format!("{v}\n")).collect();
        labelbudget::io::write_atomic(&dir.join("y.csv"), ys.as_bytes())?;
    } else {
        ndarray_npy::write_npy(dir.join("x.npy"), &x.mapv(|v| v as f32))?;
        ndarray_npy::write_npy(dir.join("y.npy"), &ndarray::Array1::from(y))?;
        ndarray_npy::write_npy(dir.join("p.npy"), &p)?;
    }
    eprintln!("wrote {n} items x {features} features to {}", dir.display());
    Ok(())
}
