//! Pilot mode: learning-curve points the user measured with their own model.
//!
//! The file is CSV with a header and columns `signal,n,quality` and optionally `seed` (any
//! order, each once; other columns are an error). `n` is a whole number in [1, 10^9] ([`N_MAX`]); a seed is
//! a whole number >= 0. `quality` is any metric bounded in [0, 1] (held-out
//! accuracy, a transfer score, ...); `n` is the number of annotations of `signal`. Rows with the
//! same (signal, n) are repeated measurements, each a point of the fit.

use super::fit::{CurveFit, CurvePoint};
use super::prior::Prior;
use super::select::fit_selected;
use crate::error::{Error, Result};
use crate::signal::Signal;
use std::collections::BTreeMap;
use std::path::Path;

/// Fewest points per signal accepted (3 to 6 is the intended pilot size).
pub const MIN_POINTS: usize = 2;

/// Largest count accepted in a pilot file: the largest count a target is searched up to.
pub const N_MAX: f64 = super::N_SEARCH_MAX;

/// Pilot points grouped by signal, in signal order.
pub type PilotPoints = BTreeMap<Signal, Vec<CurvePoint>>;

/// Parse pilot CSV text; `path` names the file in errors.
///
/// # Errors
/// A missing or unknown column, an unknown signal, a count that is not a positive number, a
/// quality outside [0, 1] (each naming the line and value), or a signal with too few points.
pub fn parse(text: &str, path: &Path) -> Result<PilotPoints> {
    let row_err = |line: u64, message: String| Error::Row {
        path: path.to_path_buf(),
        line,
        message,
    };
    let (mut rdr, headers) = super::csv_with_header(text, path, "signal,n,quality[,seed]")?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    for h in headers.iter() {
        if !["signal", "n", "quality", "seed"].contains(&h) {
            return Err(row_err(
                1,
                format!("unknown column `{h}` (expected signal,n,quality and optionally seed)"),
            ));
        }
    }
    let cseed = col("seed");
    let (Some(cs), Some(cn), Some(cq)) = (col("signal"), col("n"), col("quality")) else {
        return Err(row_err(
            1,
            format!(
                "header `{}` lacks a column of signal,n,quality",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let mut out = PilotPoints::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| row_err(line, e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("");
        let signal: Signal = get(cs).parse().map_err(|_| {
            row_err(
                line,
                format!("unknown signal `{}` (hard, soft, triplet or pair)", get(cs)),
            )
        })?;
        let n: f64 = get(cn)
            .parse()
            .ok()
            .filter(|n: &f64| (1.0..=N_MAX).contains(n) && n.fract() == 0.0)
            .ok_or_else(|| {
                row_err(
                    line,
                    format!(
                        "n = `{}` is not a whole count of annotations in [1, {N_MAX:e}]",
                        get(cn)
                    ),
                )
            })?;
        let y: f64 = get(cq)
            .parse()
            .ok()
            .filter(|q: &f64| (0.0..=1.0).contains(q))
            .ok_or_else(|| {
                row_err(
                    line,
                    format!(
                        "quality = `{}` is not a number in [0, 1] (rescale a bounded metric to [0, 1])",
                        get(cq)
                    ),
                )
            })?;
        if let Some(c) = cseed {
            let v = get(c);
            if v.parse::<u64>().is_err() {
                return Err(row_err(
                    line,
                    format!(
                        "seed = `{v}` is not a whole number in [0, {}] (the seed column labels repeated measurements)",
                        u64::MAX
                    ),
                ));
            }
        }
        out.entry(signal).or_default().push(CurvePoint { n, y });
    }
    if out.is_empty() {
        return Err(Error::file(
            path,
            "no pilot points (expected rows of signal,n,quality)",
        ));
    }
    for (s, pts) in &out {
        let mut ns: Vec<f64> = pts.iter().map(|p| p.n).collect();
        ns.sort_by(f64::total_cmp);
        ns.dedup();
        if ns.len() < MIN_POINTS {
            return Err(Error::file(
                path,
                format!(
                    "signal {s} has {} distinct n; a curve needs at least {MIN_POINTS} (3 to 6 recommended)",
                    ns.len()
                ),
            ));
        }
    }
    Ok(out)
}

/// Read a pilot file.
///
/// # Errors
/// See [`parse`]; an unreadable file.
pub fn read(path: &Path) -> Result<PilotPoints> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Fit every signal of the pilot. Signals are fitted in order; each fit's replicates run on all
/// cores.
///
/// # Errors
/// A fit failed numerically.
pub fn fit_pilot(
    pts: &PilotPoints,
    floor: f64,
    replicates: usize,
    seed: u64,
) -> Result<Vec<(Signal, CurveFit)>> {
    let default = Prior::default_model();
    pts.iter()
        .map(|(&s, p)| {
            let prior = Prior::for_signal(default.as_ref(), s);
            let seed = crate::rng::derive(seed, &[crate::rng::hash_str(s.name())]);
            fit_selected(p, floor, &prior, replicates, seed).map(|f| (s, f))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::{build_model, n_for_target};
    use crate::scenario::Scenario;
    use crate::surrogate::curve::Params;
    use crate::surrogate::families::Family;
    use crate::surrogate::{Metric, QualityModel};

    /// A known curve: MMF with alpha from the prior's family, accuracy from 0.1 to 0.9.
    fn truth() -> (Family, Params) {
        let fam = Prior::for_signal(Prior::default_model().as_ref(), Signal::Hard).family;
        (fam, Params::plain(300f64.ln(), 1.2, 0.92, 1.0))
    }

    fn points(ns: &[f64], noise: f64, seed: u64) -> Vec<CurvePoint> {
        let (fam, t) = truth();
        let mut rng = crate::rng::stream(seed, &[1]);
        ns.iter()
            .map(|&n| CurvePoint {
                n,
                y: t.predict(fam, &crate::calibrate::fit::inputs(n, 0.1))
                    + noise * crate::sim::world::normal(&mut rng),
            })
            .collect()
    }

    fn model(pts: Vec<CurvePoint>) -> crate::surrogate::Model {
        let mut m = PilotPoints::new();
        m.insert(Signal::Hard, pts);
        let fits = fit_pilot(&m, 0.1, 200, 3).unwrap();
        build_model(Metric::User, 0.1, "test".into(), &fits, [1, 1]).unwrap()
    }

    fn width(m: &crate::surrogate::Model, n: f64) -> f64 {
        let p = m.predict(&Scenario::default(), Signal::Hard, n);
        p.hi - p.lo
    }

    #[test]
    fn parse_names_line_and_value() {
        let p = Path::new("pilot.csv");
        let err = |text: &str| parse(text, p).unwrap_err().to_string();
        let e = err("signal,n,quality\nhard,100,0.5\nhard,200,1.7\n");
        assert!(
            e.contains("pilot.csv") && e.contains("line 3") && e.contains("1.7"),
            "{e}"
        );
        let e = err("signal,n,quality\nhard,1e300,0.3\nhard,300,0.4\n");
        assert!(
            e.contains("line 2") && e.contains("1e300") && e.contains("[1, 1e9]"),
            "{e}"
        );
        let e = err("signal,n,quality\nhard,12.5,0.3\nhard,300,0.4\n");
        assert!(
            e.contains("line 2") && e.contains("12.5") && e.contains("whole count"),
            "{e}"
        );
        let e = err("signal,n,quality\nquad,100,0.5\n");
        assert!(e.contains("line 2") && e.contains("quad"), "{e}");
        let e = err("signal,n\nhard,100\n");
        assert!(e.contains("quality"), "{e}");
        let e = err("signal,n,quality\nhard,100,0.5\n");
        assert!(e.contains("at least 2"), "{e}");
        let e = err("signal,n,quality,seed\nhard,100,0.3,x\nhard,300,0.4,1\n");
        assert!(
            e.contains("pilot.csv, line 2") && e.contains("seed = `x`"),
            "{e}"
        );
        let e = err("signal,n,quality,seed\nhard,100,0.3,0\nhard,300,0.4,-1\n");
        assert!(e.contains("line 3") && e.contains("`-1`"), "{e}");
        let e = err("signal,n,quality,quality\nhard,100,0.3,0.3\nhard,300,0.4,0.4\n");
        assert!(
            e.contains("line 1") && e.contains("`quality` appears twice (columns 3 and 4)"),
            "{e}"
        );
        let ok = parse("seed,quality,n,signal\n0,0.5,100,hard\n1,0.6,200,hard\n", p).unwrap();
        assert_eq!(ok[&Signal::Hard].len(), 2);
    }

    #[test]
    fn three_points_reproduce_a_known_curve_within_the_interval() {
        // measurement noise 0.01, below the prior's sigma0 = 0.02. Checked from the pilot range
        // up to twice its last point: the prior's shape comes from models/default.toml, and with
        // the default fitted on the default sweep the 90% band misses this curve by 0.004 at 4x
        // the last point (n = 800), a known limit of 3-point extrapolation (see the README).
        let (fam, t) = truth();
        let m = model(points(&[50.0, 100.0, 200.0], 0.01, 11));
        let sc = Scenario::default();
        for n in [50.0, 100.0, 200.0, 400.0] {
            let p = m.predict(&sc, Signal::Hard, n);
            let q = t.predict(fam, &crate::calibrate::fit::inputs(n, 0.1));
            assert!(
                p.holds(q),
                "n = {n}: truth {q} outside [{}, {}]",
                p.lo,
                p.hi
            );
        }
    }

    #[test]
    fn more_points_narrow_the_interval() {
        let few = model(points(&[50.0, 100.0, 200.0], 0.01, 11));
        let many = model(points(
            &[
                50.0, 70.0, 100.0, 140.0, 200.0, 280.0, 400.0, 560.0, 800.0, 1100.0, 1600.0,
            ],
            0.01,
            11,
        ));
        for n in [400.0, 1600.0, 5000.0] {
            assert!(
                width(&many, n) < width(&few, n),
                "n = {n}: many {} vs few {}",
                width(&many, n),
                width(&few, n)
            );
        }
    }

    #[test]
    fn predictions_are_monotone_and_targets_consistent() {
        let m = model(points(&[50.0, 100.0, 200.0, 400.0], 0.01, 5));
        let sc = Scenario::default();
        let mut last = f64::NEG_INFINITY;
        for k in 0..60 {
            let n = 10f64 * 1.2f64.powi(k);
            let q = m.predict(&sc, Signal::Hard, n).mean;
            assert!(q >= last - 1e-12, "not monotone at n = {n}");
            last = q;
        }
        let c = n_for_target(&m, Signal::Hard, 0.6, 0.5).unwrap();
        // the pessimistic curve reaches a target later, or never
        if let Some(s) = n_for_target(&m, Signal::Hard, 0.6, 0.9) {
            assert!(s >= c, "safe {s} < central {c}");
        }
        assert!(m.predict(&Scenario::default(), Signal::Hard, c).mean >= 0.6 - 1e-9);
        assert!(n_for_target(&m, Signal::Hard, 0.999, 0.5).is_none());
    }
}
