//! Quick leave-scenario-out diagnostics of the surrogate's scenario terms (development tool).
//!
//! `cargo run --release --example surrogate_lso -- out/default-runs.csv [TERMS] [SIGNAL]`
//!
//! TERMS: `hard=C,d,D,e,w:q;pair=...` or `all=...` (see `curve::Terms`); SIGNAL: print the
//! per-scenario residual table of this signal. One family (MMF), no bootstrap, no family
//! selection, floor fitted once on all runs: faster than `labelbudget fit --holdout`, and
//! within a few thousandths of it.

use labelbudget::signal::Signal;
use labelbudget::surrogate::curve::Terms;
use labelbudget::surrogate::families::Family;
use labelbudget::surrogate::fit::{Point, fit_curve, free_mask, starts};
use labelbudget::surrogate::train::{self, FitOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A scenario feature to correlate residuals with.
type Feature = Box<dyn Fn(&labelbudget::scenario::Scenario) -> f64>;

fn seed_means(pts: &[&Point]) -> Vec<(usize, u64, f64, Point)> {
    let mut g: BTreeMap<(usize, u64), (f64, usize, Point)> = BTreeMap::new();
    for p in pts {
        let e = g.entry((p.scenario, p.n)).or_insert((0.0, 0, **p));
        e.0 += p.y;
        e.1 += 1;
    }
    g.into_iter()
        .map(|((s, n), (y, c, p))| (s, n, y / c as f64, p))
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        anyhow::bail!("usage: surrogate_lso RUNS.csv [TERMS] [SIGNAL] (e.g. out/default-runs.csv)");
    };
    let runs = labelbudget::surrogate::read_runs(std::path::Path::new(path))?;
    let mut opts = FitOptions {
        families: vec![Family::Mmf],
        bootstrap: 0,
        ..FitOptions::default()
    };
    if let Some(spec) = args.get(2) {
        for part in spec.split(';').filter(|x| !x.is_empty()) {
            let Some((sig, t)) = part.split_once('=') else {
                anyhow::bail!("TERMS: `SIGNAL=terms;...` or `all=terms`, not `{part}`");
            };
            let t = Terms::parse(t)?;
            for s in Signal::ALL {
                if sig == "all" || sig == s.to_string() {
                    opts.terms.retain(|x| x.0 != s);
                    opts.terms.push((s, t));
                }
            }
        }
    }
    let detail: Option<Signal> = args.get(3).map(|s| s.parse()).transpose()?;
    let floor = train::fit_floor(&runs, opts.metric);
    let (ids, scs) = train::scenario_ids(&runs);
    let fam: Family = match std::env::var("LSO_FAM").as_deref() {
        Ok("weibull") => Family::Weibull,
        Ok("power") => Family::Power,
        _ => Family::Mmf,
    };
    println!("signal   terms                          LSO     extrap  n1000-ref");
    let only: Option<Signal> = std::env::var("LSO_ONLY")
        .ok()
        .map(|s| s.parse())
        .transpose()?;
    for signal in Signal::ALL {
        if only.is_some_and(|o| o != signal) {
            continue;
        }
        let pts = train::points(&runs, &ids, signal, &opts, None, &floor);
        // each refit leaves one scenario out
        let terms = opts.terms_for(signal, scs.len().saturating_sub(1));
        // leave-scenario-out
        let per: Vec<Vec<(usize, u64, f64, f64)>> = (0..scs.len())
            .into_par_iter()
            .map(|k| {
                let tr: Vec<Point> = pts.iter().filter(|p| p.scenario != k).copied().collect();
                let held: Vec<&Point> = pts.iter().filter(|p| p.scenario == k).collect();
                if held.is_empty() {
                    return Vec::new();
                }
                let free = free_mask(fam, &tr, true, &terms);
                let fit = fit_curve(fam, &tr, None, free, &starts(&tr)).expect("fit");
                seed_means(&held)
                    .into_iter()
                    .map(|(s, n, y, p)| (s, n, y, fit.params.predict(fam, &p.inp)))
                    .collect()
            })
            .collect();
        let all: Vec<(usize, u64, f64, f64)> = per.concat();
        let lso = all.iter().map(|x| (x.3 - x.2).abs()).sum::<f64>() / all.len() as f64;
        // extrapolation
        let nmax = pts.iter().map(|p| p.n).max().unwrap_or(0);
        let tr: Vec<Point> = pts.iter().filter(|p| p.n <= nmax / 10).copied().collect();
        let free = free_mask(fam, &tr, true, &terms);
        let fit = fit_curve(fam, &tr, None, free, &starts(&tr)).expect("fit");
        let at: Vec<&Point> = pts.iter().filter(|p| p.n == nmax).collect();
        let ex: Vec<f64> = seed_means(&at)
            .iter()
            .map(|(_, _, y, p)| (fit.params.predict(fam, &p.inp) - y).abs())
            .collect();
        let extrap = ex.iter().sum::<f64>() / ex.len().max(1) as f64;
        // full fit at the reference scenario, n = 1000
        let free = free_mask(fam, &pts, true, &terms);
        let full = fit_curve(fam, &pts, None, free, &starts(&pts)).expect("fit");
        let sc = labelbudget::scenario::Scenario::default();
        let inp = labelbudget::surrogate::covariate::inputs(
            &sc,
            signal,
            1000.0,
            labelbudget::surrogate::covariate::Spec {
                metric: opts.metric,
                covariate: opts.covariate,
                baseline: false,
                pair_spill: labelbudget::surrogate::covariate::PAIR_SPILL,
            },
            None,
            &floor,
        );
        println!(
            "{:<8} {:<30} {:.4}  {:.4}  {:.3}",
            signal.to_string(),
            terms.render(),
            lso,
            extrap,
            full.params.predict(fam, &inp)
        );
        if detail == Some(signal) {
            println!("  params {:?}", full.params);
            println!("  scen    C   d    D  noise   mean_res  mae   (res = pred - obs, over n)");
            let mut rows: Vec<(usize, f64, f64)> = Vec::new();
            for (k, sc) in scs.iter().enumerate() {
                let r: Vec<&(usize, u64, f64, f64)> = all.iter().filter(|x| x.0 == k).collect();
                if r.is_empty() {
                    continue;
                }
                let m = r.iter().map(|x| x.3 - x.2).sum::<f64>() / r.len() as f64;
                let a = r.iter().map(|x| (x.3 - x.2).abs()).sum::<f64>() / r.len() as f64;
                rows.push((k, m, a));
                let _ = sc;
            }
            rows.sort_by(|a, b| b.2.total_cmp(&a.2));
            for (k, m, a) in &rows {
                let sc = &scs[*k];
                println!(
                    "  {:>4} {:>4} {:>3} {:>4} {:>6.3} {:>+9.4} {:>6.4}",
                    k, sc.classes, sc.dims, sc.features, sc.noise, m, a
                );
            }
            // correlation of per-scenario mean residual with features
            let feats: Vec<(&str, Feature)> = vec![
                ("lnC", Box::new(|s| (s.classes as f64).ln())),
                ("lnd", Box::new(|s| (s.dims as f64).ln())),
                ("lnD", Box::new(|s| (s.features as f64).ln())),
                ("noise", Box::new(|s| s.noise)),
                (
                    "lnC*lnd",
                    Box::new(|s| ((s.classes as f64 / 10.0).ln()) * (s.dims as f64 / 16.0).ln()),
                ),
                (
                    "ln(D/d)",
                    Box::new(|s| (s.features as f64 / s.dims as f64).ln()),
                ),
                (
                    "ln((C-1)/d)",
                    Box::new(|s| ((s.classes as f64 - 1.0) / s.dims as f64).ln()),
                ),
                (
                    "lnC^2",
                    Box::new(|s| (s.classes as f64 / 10.0).ln().powi(2)),
                ),
                ("lnd^2", Box::new(|s| (s.dims as f64 / 16.0).ln().powi(2))),
            ];
            let corr = |xs: &[f64], ys: &[f64]| {
                let n = xs.len() as f64;
                let mx = xs.iter().sum::<f64>() / n;
                let my = ys.iter().sum::<f64>() / n;
                let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
                let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
                let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
                sxy / (sxx * syy).sqrt()
            };
            let ys: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let yabs: Vec<f64> = rows.iter().map(|r| r.2).collect();
            for (name, f) in &feats {
                let xs: Vec<f64> = rows.iter().map(|r| f(&scs[r.0])).collect();
                println!(
                    "  corr(mean_res, {name:<12}) = {:+.2}   corr(mae, .) = {:+.2}",
                    corr(&xs, &ys),
                    corr(&xs, &yabs)
                );
            }
            // residual by n
            let mut ns: Vec<u64> = all.iter().map(|x| x.1).collect();
            ns.sort_unstable();
            ns.dedup();
            for n in ns {
                let r: Vec<f64> = all.iter().filter(|x| x.1 == n).map(|x| x.3 - x.2).collect();
                let m = r.iter().sum::<f64>() / r.len() as f64;
                let a = r.iter().map(|x| x.abs()).sum::<f64>() / r.len() as f64;
                println!("  n {n:>6}: mean_res {m:+.4} mae {a:.4}");
            }
        }
    }
    Ok(())
}
