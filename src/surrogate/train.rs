//! From a sweep's runs to a [`Model`]: the floor model, per-signal family selection by grouped
//! cross-validation, the robust fit, the residual spread and the bootstrap.

use super::bootstrap::{bootstrap, spread};
use super::covariate::{self, BitsModel, Covariate, FloorModel, Metric};
use super::curve::{Inputs, N_PARAMS, NW, Params, Terms};
use super::families::Family;
use super::fit::{Fitted, Point, fit_curve, free_mask, starts};
use super::model::{Diagnostics, Model, Range, SignalModel};
use super::prior::PriorMode;
use super::residual::{self, HeldOut};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::RunRecord;
use rayon::prelude::*;
use std::collections::HashMap;

/// Fewest runs a signal needs, and fewest distinct annotation counts among them.
pub const MIN_RUNS: usize = 12;
pub const MIN_DISTINCT_N: usize = 4;
/// Folds of the grouped cross-validation that chooses a family.
pub const CV_FOLDS: usize = 4;

/// How to fit.
///
/// | field        | default   | purpose                                                     |
/// |--------------|-----------|-------------------------------------------------------------|
/// | `metric`     | cka       | the runs.csv column to model                                 |
/// | `covariate`  | n         | raw n, or bits per parameter (info module): n measured better |
/// | `families`   | all three | candidate families; one entry skips the selection            |
/// | `baseline`   | false     | plain power law in raw n, no floor, cap or scenario terms    |
/// | `ceiling_terms` | true | ceiling share of the cap varies with the scenario (gamma)  |
/// | `terms`      | per signal | scenario terms of each signal ([`default_terms`])        |
/// | `bootstrap`  | 50        | bootstrap replicates over seeds (0: no intervals but residual)|
/// | `level`      | 0.9       | nominal coverage of prediction intervals                     |
/// | `seed`       | 0         | seed of the bootstrap draws                                  |
/// | `prior`      | auto      | lean on the default model below 3 scenarios ([`super::prior`]) |
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    pub metric: Metric,
    pub covariate: Covariate,
    pub families: Vec<Family>,
    pub baseline: bool,
    /// Let the ceiling's share of the cap depend on the scenario (gamma terms).
    pub ceiling_terms: bool,
    /// Scenario terms per signal, overriding [`default_terms`] for the signals listed.
    pub terms: Vec<(Signal, Terms)>,
    pub bootstrap: usize,
    pub level: f64,
    pub seed: u64,
    pub prior: PriorMode,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            metric: Metric::Cka,
            covariate: Covariate::N,
            families: Family::CANDIDATES.to_vec(),
            baseline: false,
            ceiling_terms: true,
            terms: Vec::new(),
            bootstrap: 50,
            level: 0.9,
            seed: 0,
            prior: PriorMode::Auto,
        }
    }
}

impl FitOptions {
    /// Check the options a runs file can be fitted with: a metric that is a column of runs
    /// files, a level strictly between 0 and 1.
    ///
    /// # Errors
    /// The first offending option, its value and the accepted ones.
    pub fn check(&self) -> Result<()> {
        if matches!(self.metric, Metric::Accuracy | Metric::User) {
            return Err(Error::invalid(
                "metric",
                self.metric.name(),
                "cka or transfer: the metrics a runs file has (its columns `cka` and \
                 `transfer`); accuracy and user models are fitted by `labelbudget calibrate` \
                 from your own data",
            ));
        }
        if !(self.level.is_finite() && self.level > 0.0 && self.level < 1.0) {
            return Err(Error::invalid(
                "level",
                self.level,
                "a coverage strictly between 0 and 1, e.g. 0.9",
            ));
        }
        Ok(())
    }

    /// Whether a fit over `scenarios` scenarios leans on the default model: asked for (or, under
    /// `auto`, fewer than [`super::prior::PRIOR_BELOW`] scenarios), and possible (the default
    /// model's metric and covariate, no baseline).
    pub fn uses_prior(&self, scenarios: usize) -> bool {
        let wanted = match self.prior {
            PriorMode::Auto => scenarios < super::prior::PRIOR_BELOW,
            PriorMode::Default => true,
            PriorMode::None => false,
        };
        wanted && self.metric == Metric::Cka && self.covariate == Covariate::N && !self.baseline
    }

    /// The usual baseline: a plain power law `a - b n^-c` in raw n per signal.
    pub fn baseline() -> FitOptions {
        FitOptions {
            families: vec![Family::Plain],
            covariate: Covariate::N,
            baseline: true,
            bootstrap: 0,
            ..FitOptions::default()
        }
    }
}

/// The scenario terms of the shipped form (names in `curve::SCALE_TERMS` / `CEILING_TERMS`):
/// scale on C, d, D, noise, their main interactions and the feature signal share; shape
/// (alpha) on C, d, D, noise, C*d, C^2, d^2; ceiling on ln(1 + q), noise and d. Chosen by
/// leave-scenario-out error on the default sweep (docs/validation.md, "Choices measured").
pub const DEFAULT_TERMS: &str =
    "C,d,D,e,Cd,CC,dd,eC,DD,s,a:C,a:d,a:D,a:e,a:Cd,a:CC,a:dd,w:q,w:e,w:d";

/// Scale terms added to [`DEFAULT_TERMS`] when a fit has at least [`DENSE_SWEEP`] scenarios:
/// the interactions of C and d with D, which take out the held-out residuals' trend with
/// ln C ln D and ln d ln D (docs/validation.md, "Choices measured").
pub const DENSE_TERMS: &str = "CD,dD";

/// Scenarios from which [`DENSE_TERMS`] join the default terms. Below it they cost more in
/// cross-validated error than they gain (measured on random subsets of the default sweep: worse
/// at 25 scenarios, even at 50, better from 100).
pub const DENSE_SWEEP: usize = 100;

/// The scenario terms a signal's curve uses unless the options say otherwise, for a fit over
/// `scenarios` scenarios (the same for every signal: per-signal choices measured no better,
/// docs/validation.md, "Choices measured").
pub fn default_terms(_signal: Signal, scenarios: usize) -> Terms {
    let list = if scenarios >= DENSE_SWEEP {
        format!("{DEFAULT_TERMS},{DENSE_TERMS}")
    } else {
        DEFAULT_TERMS.to_string()
    };
    Terms::parse(&list).expect("valid default terms")
}

impl FitOptions {
    /// The scenario terms of `signal` under these options, for a fit over `scenarios` scenarios.
    pub fn terms_for(&self, signal: Signal, scenarios: usize) -> Terms {
        let mut t = self
            .terms
            .iter()
            .find(|x| x.0 == signal)
            .map_or_else(|| default_terms(signal, scenarios), |x| x.1);
        if !self.ceiling_terms {
            t.ceiling = [false; NW];
        }
        if self.baseline {
            t = Terms::NONE;
        }
        t
    }
}

/// The measured value of `metric` in a run and its untrained floor.
pub fn observed(run: &RunRecord, metric: Metric) -> (f64, f64) {
    match metric {
        Metric::Cka => (run.cka, run.cka_floor),
        Metric::Transfer => (run.transfer, run.transfer_floor),
        // not columns of runs.csv: only `calibrate` fits these, from the user's own data
        Metric::Accuracy | Metric::User => (f64::NAN, f64::NAN),
    }
}

/// A key identifying a run's scenario.
pub fn scenario_key(r: &RunRecord) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{:?}|{}|{}",
        r.classes,
        r.dims,
        r.features,
        r.rep_dims,
        r.nuisance,
        r.noise,
        r.latent,
        r.soft_annotators,
        r.pool
    )
}

/// Index every run's scenario among the distinct scenarios, in order of first appearance.
pub fn scenario_ids(runs: &[RunRecord]) -> (Vec<usize>, Vec<Scenario>) {
    let mut keys: Vec<String> = Vec::new();
    let mut scs = Vec::new();
    let ids = runs
        .iter()
        .map(|r| {
            let k = scenario_key(r);
            match keys.iter().position(|x| *x == k) {
                Some(i) => i,
                None => {
                    keys.push(k);
                    scs.push(r.scenario());
                    keys.len() - 1
                }
            }
        })
        .collect();
    (ids, scs)
}

/// The floor model fitted on the runs' measured untrained floors.
pub fn fit_floor(runs: &[RunRecord], metric: Metric) -> FloorModel {
    let mut pts: Vec<(f64, f64)> = runs
        .iter()
        .map(|r| {
            (
                covariate::random_encoder_cka(&r.scenario()),
                observed(r, metric).1,
            )
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    FloorModel::fit(&pts)
}

/// The curve inputs of a run under the options.
pub fn run_inputs(
    r: &RunRecord,
    opts: &FitOptions,
    bits: Option<&BitsModel>,
    floor: &FloorModel,
) -> Inputs {
    covariate::inputs(
        &r.scenario(),
        r.signal,
        r.n as f64,
        covariate::Spec {
            metric: opts.metric,
            covariate: opts.covariate,
            baseline: opts.baseline,
        },
        bits,
        floor,
    )
}

/// Measured bits per annotation of each (scenario key, signal) of a sweep.
pub type BitsTable = HashMap<(String, Signal), f64>;

/// Settings of the bits estimates behind the `bits` covariate: one world per scenario keeps a
/// 64-scenario sweep's table to a few seconds; the approximation error dwarfs the MC error.
pub fn bits_settings() -> crate::info::Settings {
    crate::info::Settings {
        worlds: 1,
        ..crate::info::Settings::default()
    }
}

/// Bits per annotation of every scenario and signal in `runs` (in parallel).
///
/// # Errors
/// An invalid scenario.
pub fn bits_table(runs: &[RunRecord]) -> Result<BitsTable> {
    let mut keys: Vec<(String, Scenario, Signal)> = Vec::new();
    for r in runs {
        let k = scenario_key(r);
        if !keys.iter().any(|x| x.0 == k && x.2 == r.signal) {
            keys.push((k, r.scenario(), r.signal));
        }
    }
    let settings = bits_settings();
    keys.par_iter()
        .map(|(k, sc, s)| {
            crate::info::signal_bits_with(sc, *s, &settings).map(|b| ((k.clone(), *s), b.bits))
        })
        .collect()
}

fn bits_model(runs: &[RunRecord], signal: Signal, table: &BitsTable) -> BitsModel {
    let mut pts: Vec<(Scenario, f64)> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for r in runs.iter().filter(|r| r.signal == signal) {
        let k = scenario_key(r);
        if !seen.contains(&k)
            && let Some(&b) = table.get(&(k.clone(), signal))
        {
            seen.push(k);
            pts.push((r.scenario(), b));
        }
    }
    BitsModel::fit(&pts)
}

/// Points of one signal.
pub fn points(
    runs: &[RunRecord],
    ids: &[usize],
    signal: Signal,
    opts: &FitOptions,
    bits: Option<&BitsModel>,
    floor: &FloorModel,
) -> Vec<Point> {
    runs.iter()
        .zip(ids)
        .filter(|(r, _)| r.signal == signal)
        .map(|(r, &scenario)| Point {
            inp: run_inputs(r, opts, bits, floor),
            y: observed(r, opts.metric).0,
            seed: r.seed,
            scenario,
            n: r.n,
        })
        .collect()
}

/// Check a signal has enough runs; the error says how many are needed.
pub fn check_enough(signal: Signal, pts: &[Point]) -> Result<()> {
    let mut ns: Vec<u64> = pts.iter().map(|p| p.n).collect();
    ns.sort_unstable();
    ns.dedup();
    if pts.len() < MIN_RUNS || ns.len() < MIN_DISTINCT_N {
        return Err(Error::invalid(
            format!("runs of signal {signal}"),
            format!("{} runs at {} distinct n", pts.len(), ns.len()),
            format!(
                "at least {MIN_RUNS} runs over at least {MIN_DISTINCT_N} distinct annotation counts to fit a curve"
            ),
        ));
    }
    Ok(())
}

/// Free parameters of `signal` under the options. The scenario count that picks the default
/// terms is the number the points are indexed over, so a cross-validation fold of a fit uses
/// the terms of the whole fit.
fn mask(family: Family, pts: &[Point], opts: &FitOptions, signal: Signal) -> [bool; N_PARAMS] {
    let scenarios = pts.iter().map(|p| p.scenario).max().map_or(0, |m| m + 1);
    free_mask(
        family,
        pts,
        !opts.baseline,
        &opts.terms_for(signal, scenarios),
    )
}

fn fit_family(family: Family, pts: &[Point], opts: &FitOptions, signal: Signal) -> Result<Fitted> {
    let free = mask(family, pts, opts, signal);
    fit_curve(family, pts, None, free, &starts(pts))
}

/// Grouped cross-validation MAE of each family: groups are scenarios when there are at least
/// 3, else seeds; folds take every CV_FOLDS-th group. `full` holds each family's fit on all the
/// points, in `opts.families` order: each fold's fit starts from it (one start, not the
/// multi-start grid), which finds the same basin at a fraction of the cost.
pub fn family_cv(
    pts: &[Point],
    opts: &FitOptions,
    signal: Signal,
    full: &[Fitted],
) -> Result<Vec<FamilyCv>> {
    let n_scen = pts.iter().map(|p| p.scenario).max().map_or(0, |m| m + 1);
    let group = |p: &Point| {
        if n_scen >= 3 {
            p.scenario as u64
        } else {
            p.seed
        }
    };
    let mut groups: Vec<u64> = pts.iter().map(group).collect();
    groups.sort_unstable();
    groups.dedup();
    let folds = CV_FOLDS.min(groups.len());
    if folds < 2 {
        return Ok(opts
            .families
            .iter()
            .map(|&family| FamilyCv {
                family,
                mae: f64::NAN,
                residuals: Vec::new(),
            })
            .collect());
    }
    let jobs: Vec<(usize, Family, usize)> = opts
        .families
        .iter()
        .enumerate()
        .flat_map(|(i, &f)| (0..folds).map(move |k| (i, f, k)))
        .collect();
    let held: Vec<Vec<HeldOut>> = jobs
        .par_iter()
        .map(|&(i, f, k)| {
            let in_fold = |p: &Point| groups.binary_search(&group(p)).unwrap_or(0) % folds == k;
            let train: Vec<Point> = pts.iter().filter(|p| !in_fold(p)).copied().collect();
            let free = mask(f, &train, opts, signal);
            let fit = fit_curve(f, &train, None, free, &[full[i].params])?;
            Ok(pts
                .iter()
                .filter(|p| in_fold(p))
                .map(|p| held_out(f, &fit.params, p))
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok(opts
        .families
        .iter()
        .enumerate()
        .map(|(i, &family)| {
            let residuals: Vec<HeldOut> = held[i * folds..(i + 1) * folds].concat();
            let mae =
                residuals.iter().map(|h| h.r.abs()).sum::<f64>() / residuals.len().max(1) as f64;
            FamilyCv {
                family,
                mae,
                residuals,
            }
        })
        .collect())
}

/// The residual of `p` under the curve `params`, with the curve's steepness there.
fn held_out(family: Family, params: &Params, p: &Point) -> HeldOut {
    let place = params.predict_place(family, &p.inp);
    HeldOut {
        ln_x: p.inp.ln_x,
        r: p.y - place.q,
        slope: place.slope,
        position: place.position,
        ln_c: p.inp.z[0],
    }
}

/// Held-out error of one family in the grouped cross-validation.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyCv {
    pub family: Family,
    /// Mean absolute held-out error.
    pub mae: f64,
    /// Held-out residual of every point, with its place on the curve.
    pub residuals: Vec<HeldOut>,
}

fn range_of(runs: &[RunRecord]) -> Range {
    let mm = |f: &dyn Fn(&RunRecord) -> f64| {
        runs.iter()
            .map(f)
            .fold([f64::INFINITY, f64::NEG_INFINITY], |a, v| {
                [a[0].min(v), a[1].max(v)]
            })
    };
    let u = |r: [f64; 2]| [r[0] as usize, r[1] as usize];
    Range {
        classes: u(mm(&|r| r.classes as f64)),
        dims: u(mm(&|r| r.dims as f64)),
        features: u(mm(&|r| r.features as f64)),
        noise: mm(&|r| r.noise),
        nuisance: mm(&|r| r.nuisance),
        n: {
            let m = mm(&|r| r.n as f64);
            [m[0] as u64, m[1] as u64]
        },
    }
}

/// Fit a model to runs. `sweep_hash` labels where they came from.
///
/// # Errors
/// No runs; a signal with too few runs (how many are needed is named); a numerical failure.
pub fn fit_model(runs: &[RunRecord], sweep_hash: &str, opts: &FitOptions) -> Result<Model> {
    let table = if opts.covariate == Covariate::Bits && !opts.baseline {
        bits_table(runs)?
    } else {
        BitsTable::new()
    };
    fit_model_with(runs, sweep_hash, opts, &table)
}

/// [`fit_model`] with the bits table already measured (it must cover every scenario of `runs`
/// when the covariate is `bits`).
///
/// # Errors
/// As [`fit_model`].
pub fn fit_model_with(
    runs: &[RunRecord],
    sweep_hash: &str,
    opts: &FitOptions,
    table: &BitsTable,
) -> Result<Model> {
    opts.check()?;
    if runs.is_empty() {
        return Err(Error::invalid("runs", 0, "at least one run"));
    }
    if opts.families.is_empty() {
        return Err(Error::invalid("families", "none", "at least one family"));
    }
    let floor = fit_floor(runs, opts.metric);
    let (ids, scenarios) = scenario_ids(runs);
    let prior = opts
        .uses_prior(scenarios.len())
        .then(Model::embedded_default);
    let mut signals = Vec::new();
    for signal in Signal::ALL {
        if !runs.iter().any(|r| r.signal == signal) {
            continue;
        }
        let bits = (opts.covariate == Covariate::Bits && !opts.baseline)
            .then(|| bits_model(runs, signal, table));
        let pts = points(runs, &ids, signal, opts, bits.as_ref(), &floor);
        check_enough(signal, &pts)?;
        if let Some(default) = prior.as_ref().and_then(|m| m.signal(signal)) {
            let seed = opts.seed ^ signal as u64;
            signals.push(super::prior::fit_signal(
                &pts,
                default,
                opts.bootstrap,
                seed,
            )?);
            continue;
        }
        let full = opts
            .families
            .iter()
            .map(|&f| fit_family(f, &pts, opts, signal))
            .collect::<Result<Vec<_>>>()?;
        let cv = family_cv(&pts, opts, signal, &full)?;
        let chosen = cv
            .iter()
            .filter(|c| c.mae.is_finite())
            .min_by(|a, b| a.mae.total_cmp(&b.mae));
        let family = chosen.map_or(opts.families[0], |c| c.family);
        let free = mask(family, &pts, opts, signal);
        let index = opts.families.iter().position(|&f| f == family).unwrap_or(0);
        let best = full[index].clone();
        let reps = bootstrap(
            family,
            &pts,
            free,
            &best.params,
            opts.bootstrap,
            opts.seed ^ signal as u64,
        )?;
        // the spread is fitted on the held-out residuals; on the fit's own only without them
        let in_sample: Vec<HeldOut>;
        let residuals: &[HeldOut] = match chosen {
            Some(c) if !c.residuals.is_empty() => &c.residuals,
            _ => {
                in_sample = pts
                    .iter()
                    .map(|p| held_out(family, &best.params, p))
                    .collect();
                &in_sample
            }
        };
        let rmse = (pts
            .iter()
            .map(|p| (best.params.predict(family, &p.inp) - p.y).powi(2))
            .sum::<f64>()
            / pts.len() as f64)
            .sqrt();
        signals.push(SignalModel {
            signal,
            family,
            params: best.params,
            spread: spread(&reps),
            residual: residual::fit(residuals, opts.level),
            bits,
            diagnostics: Diagnostics {
                runs: pts.len(),
                rmse,
                family_cv_mae: cv
                    .iter()
                    .filter(|c| c.mae.is_finite())
                    .map(|c| (c.family, c.mae))
                    .collect(),
                termination: best.termination,
                terms: Some(Terms::from_mask(&free).render()),
            },
            bootstrap: reps.iter().map(Params::to_array).collect(),
        });
    }
    Model::new(
        opts.metric,
        opts.covariate,
        opts.baseline,
        opts.level,
        sweep_hash.into(),
        runs.len(),
        range_of(runs),
        floor,
        signals,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surrogate::curve::SCALE_TERMS;
    use crate::surrogate::runs::parse_runs;
    use std::path::Path;

    /// The interactions with D join the default terms from DENSE_SWEEP scenarios on, and only
    /// the scale; everything else is the same below and above.
    #[test]
    fn dense_sweeps_add_the_interactions_with_d() {
        let at = |name: &str| SCALE_TERMS.iter().position(|x| *x == name).unwrap();
        let few = default_terms(Signal::Hard, DENSE_SWEEP - 1);
        let many = default_terms(Signal::Hard, DENSE_SWEEP);
        for name in ["CD", "dD"] {
            assert!(!few.scale[at(name)] && many.scale[at(name)], "{name}");
        }
        let mut back = many;
        back.scale[at("CD")] = false;
        back.scale[at("dD")] = false;
        assert_eq!(back, few);
        assert_eq!(few, Terms::parse(DEFAULT_TERMS).unwrap());
        // options naming their own terms keep them whatever the count
        let opts = FitOptions {
            terms: vec![(Signal::Hard, few)],
            ..FitOptions::default()
        };
        assert_eq!(opts.terms_for(Signal::Hard, 1000), few);
        assert_eq!(opts.terms_for(Signal::Soft, 1000), many);
    }

    fn small() -> Vec<RunRecord> {
        let text = include_str!("../../tests/data/runs-small.csv");
        parse_runs(text.as_bytes(), Path::new("runs-small.csv")).unwrap()
    }

    #[test]
    fn bootstrap_is_the_same_on_one_and_two_threads() {
        let runs = small();
        let opts = FitOptions {
            bootstrap: 8,
            families: vec![Family::Mmf],
            ..FitOptions::default()
        };
        let fit = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| fit_model(&runs, "h", &opts).unwrap())
        };
        let (a, b) = (fit(1), fit(2));
        assert_eq!(a, b);
        assert!(a.signals.iter().all(|s| s.bootstrap.len() == 8));
    }

    #[test]
    fn the_model_records_the_terms_each_curve_was_fitted_with() {
        let opts = FitOptions {
            bootstrap: 2,
            families: vec![Family::Mmf],
            ..FitOptions::default()
        };
        // three scenarios: the default terms without the interactions with D
        let m = fit_model(&small(), "h", &opts).unwrap();
        for s in &m.signals {
            let want = default_terms(s.signal, 3).render();
            assert_eq!(s.diagnostics.terms.as_deref(), Some(want.as_str()));
            assert!(!want.contains("CD"), "{want}");
        }
        // terms asked for are recorded as such, and survive the file
        let opts = FitOptions {
            terms: vec![(Signal::Hard, Terms::parse("C,D,a:C").unwrap())],
            ..opts
        };
        let m = fit_model(&small(), "h", &opts).unwrap();
        let back = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
        let hard = back.signal(Signal::Hard).unwrap();
        assert_eq!(hard.diagnostics.terms.as_deref(), Some("C,D,a:C"));
    }

    #[test]
    fn bits_covariate_fits_and_round_trips() {
        let opts = FitOptions {
            covariate: Covariate::Bits,
            bootstrap: 4,
            families: vec![Family::Mmf],
            ..FitOptions::default()
        };
        let m = fit_model(&small(), "h", &opts).unwrap();
        assert!(
            m.signals
                .iter()
                .all(|s| s.bits.is_some_and(|b| b.max_rel_err < 0.05))
        );
        let back = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
        assert_eq!(m, back);
        let sc = Scenario::default();
        let p = crate::surrogate::QualityModel::predict(&m, &sc, Signal::Soft, 500.0);
        assert!(p.lo <= p.mean && p.mean <= p.hi && p.mean > 0.1, "{p:?}");
    }

    #[test]
    fn too_few_runs_say_how_many_are_needed() {
        let runs: Vec<RunRecord> = small()
            .into_iter()
            .filter(|r| r.signal != Signal::Pair || r.n <= 200)
            .collect();
        let msg = fit_model(&runs, "h", &FitOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("pair") && msg.contains(&format!("at least {MIN_RUNS} runs")),
            "{msg}"
        );
    }
}
