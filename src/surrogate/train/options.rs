//! The options of a fit and the scenario terms each signal's curve uses.

use crate::error::{Error, Result};
use crate::signal::Signal;
use crate::surrogate::covariate::{Covariate, Metric};
use crate::surrogate::curve::{NW, Terms};
use crate::surrogate::families::Family;
use crate::surrogate::prior::PriorMode;

/// How to fit.
///
/// | field        | default   | purpose                                                     |
/// |--------------|-----------|-------------------------------------------------------------|
/// | `metric`     | cka       | the runs.csv column to model                                 |
/// | `covariate`  | n         | raw n, or bits per parameter (info module): n measured better |
/// | `families`   | all four  | candidate families; one entry skips the selection            |
/// | `baseline`   | false     | plain power law in raw n, no floor, cap or scenario terms    |
/// | `ceiling_terms` | true | ceiling share of the cap varies with the scenario (gamma)  |
/// | `terms`      | per signal | scenario terms of each signal ([`default_terms`])        |
/// | `bootstrap`  | 50        | bootstrap replicates over seeds (0: no intervals but residual)|
/// | `level`      | 0.9       | nominal coverage of prediction intervals                     |
/// | `seed`       | 0         | seed of the bootstrap draws                                  |
/// | `prior`      | auto      | lean on the default model below 3 scenarios ([`super::prior`]) |
///
/// [`super::prior`]: crate::surrogate::prior
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
    /// Give every annotation count the same total weight in the fit, its cross-validation and
    /// its bootstrap, instead of every run the same ([`super::count_weights`]).
    pub weigh_counts: bool,
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
            weigh_counts: false,
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
    ///
    /// [`super::prior::PRIOR_BELOW`]: crate::surrogate::prior::PRIOR_BELOW
    pub fn uses_prior(&self, scenarios: usize) -> bool {
        let wanted = match self.prior {
            PriorMode::Auto => scenarios < crate::surrogate::prior::PRIOR_BELOW,
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

/// Terms added to the pair curve's ceiling in fits of at least [`DENSE_SWEEP`] scenarios: the
/// feature signal share and the class count, which take the pair curve's held-out error at
/// n = 30,000 from 0.036 to 0.032 (docs/validation.md, "Choices measured").
pub const PAIR_TERMS: &str = "w:s,w:C";

/// The scenario terms a signal's curve uses unless the options say otherwise, for a fit over
/// `scenarios` scenarios: the same for every signal (per-signal choices measured no better on
/// the 64-scenario sweep, docs/validation.md, "Choices measured") but for [`PAIR_TERMS`].
pub fn default_terms(signal: Signal, scenarios: usize) -> Terms {
    let mut list = DEFAULT_TERMS.to_string();
    if scenarios >= DENSE_SWEEP {
        list = format!("{list},{DENSE_TERMS}");
        if signal == Signal::Pair {
            list = format!("{list},{PAIR_TERMS}");
        }
    }
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
