//! One signal's learning curve: how the scenario and n enter, and the parameters fitted.
//!
//! # Formula
//!
//! ```text
//! Q(n | scenario) = base + (ceiling - base) * F(u; alpha(scenario))
//!   u        = x / x0,   x = covariate(n, scenario)           (raw n, or bits per parameter)
//!   ln x0    = log_x0 + beta . z(scenario)                     (scenario shift of the scale)
//!   alpha    = 0.05 + 4.95 sigmoid(logit(alpha0') + delta . z[..NA])   (scenario shape)
//!   ceiling  = sigmoid(logit(qmax) + gamma . w) * cap(scenario, signal)
//!   base     = base_frac * floor(scenario)                     (quality at vanishing n)
//! ```
//!
//! z and w are listed in [`SCALE_TERMS`] and [`CEILING_TERMS`] (defined in `covariate`); a
//! signal's fit frees only the terms of its [`Terms`] and leaves the others at exactly 0, so
//! a prediction never needs to know which terms were used.
//!
//! `base` may lie below the untrained encoder's `floor`: with a handful of annotations and weight
//! decay the trained encoder collapses onto few directions and scores below a random projection
//! (measured: triplets at n = 50 reach CKA 0.015 against a floor of 0.07).
//!
//! Bounds are kept by reparametrisation for fitting: alpha = 0.05 + 4.95 sigmoid(t1),
//! qmax = sigmoid(t2), base_frac = sigmoid(t3); log_x0, beta, delta and gamma are free.

use super::families::Family;
use serde::{Deserialize, Serialize};

/// Number of scale features z.
pub const NZ: usize = 12;
/// Number of shape features: the first NA scale features (the last two, the interactions of
/// C and d with D added in model format 3, move the scale only).
pub const NA: usize = 10;
/// Number of ceiling features w.
pub const NW: usize = 5;
/// Number of fitted parameters per signal.
pub const N_PARAMS: usize = 4 + NZ + NA + NW;
/// Index of the first scale coefficient beta.
pub const BETA0: usize = 4;
/// Index of the first shape coefficient delta.
pub const DELTA0: usize = BETA0 + NZ;
/// Index of the first ceiling coefficient gamma.
pub const GAMMA0: usize = DELTA0 + NA;
/// Largest magnitude accepted for `log_x0` and the scenario coefficients in a model file: a
/// fitted curve's are of order 10 (ln of annotation counts, and their changes per unit of the
/// log-scale scenario features).
pub const MAX_COEF: f64 = 1000.0;
/// Bounds of the shape exponent alpha.
pub const ALPHA_LO: f64 = 0.05;
pub const ALPHA_HI: f64 = 5.0;

/// Short names of the scale features z (see `covariate::features`).
pub const SCALE_TERMS: [&str; NZ] = [
    "C", "d", "D", "e", "Cd", "CC", "dd", "eC", "DD", "s", "CD", "dD",
];
/// Short names of the ceiling features w (see `covariate::ceiling_features`).
pub const CEILING_TERMS: [&str; NW] = ["q", "e", "d", "s", "C"];

/// Name of parameter `i` in fitting order (`beta_C`, `delta_d`, `gamma_q`, ...).
pub fn param_name(i: usize) -> String {
    match i {
        0 => "log_x0".into(),
        1 => "alpha".into(),
        2 => "qmax".into(),
        3 => "base_frac".into(),
        i if i < DELTA0 => format!("beta_{}", SCALE_TERMS[i - BETA0]),
        i if i < GAMMA0 => format!("delta_{}", SCALE_TERMS[i - DELTA0]),
        i => format!("gamma_{}", CEILING_TERMS[i - GAMMA0]),
    }
}

/// Which scenario terms a signal's curve uses: a bit per scale, shape and ceiling feature.
///
/// Written as a comma list of names: scale terms by their [`SCALE_TERMS`] name (`C,d,D,e,Cd`),
/// shape terms prefixed `a:` (`a:C`), ceiling terms prefixed `w:` (`w:q,w:Dd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub scale: [bool; NZ],
    pub shape: [bool; NA],
    pub ceiling: [bool; NW],
}

impl Terms {
    /// No scenario terms at all.
    pub const NONE: Terms = Terms {
        scale: [false; NZ],
        shape: [false; NA],
        ceiling: [false; NW],
    };

    /// Parse a comma list of term names (see the type docs).
    ///
    /// # Errors
    /// An unknown name; the message lists the known ones.
    pub fn parse(s: &str) -> crate::Result<Terms> {
        let mut t = Terms::NONE;
        for name in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let hit = if let Some(a) = name.strip_prefix("a:") {
                SCALE_TERMS[..NA]
                    .iter()
                    .position(|x| *x == a)
                    .map(|i| t.shape[i] = true)
            } else if let Some(w) = name.strip_prefix("w:") {
                CEILING_TERMS
                    .iter()
                    .position(|x| *x == w)
                    .map(|i| t.ceiling[i] = true)
            } else {
                SCALE_TERMS
                    .iter()
                    .position(|x| *x == name)
                    .map(|i| t.scale[i] = true)
            };
            if hit.is_none() {
                return Err(crate::Error::invalid(
                    "term",
                    name,
                    format!(
                        "one of {} (scale), a:{} (shape), w:{} (ceiling)",
                        SCALE_TERMS.join(","),
                        SCALE_TERMS[..NA].join(",a:"),
                        CEILING_TERMS.join(",w:")
                    ),
                ));
            }
        }
        Ok(t)
    }

    /// The comma list that [`Terms::parse`] reads back.
    pub fn render(&self) -> String {
        let mut v: Vec<String> = Vec::new();
        for (i, n) in SCALE_TERMS.iter().enumerate() {
            if self.scale[i] {
                v.push((*n).into());
            }
        }
        for (i, n) in SCALE_TERMS[..NA].iter().enumerate() {
            if self.shape[i] {
                v.push(format!("a:{n}"));
            }
        }
        for (i, n) in CEILING_TERMS.iter().enumerate() {
            if self.ceiling[i] {
                v.push(format!("w:{n}"));
            }
        }
        v.join(",")
    }

    /// The terms whose coefficients are free in a parameter mask (the inverse of
    /// [`Terms::mask`]).
    pub fn from_mask(mask: &[bool; N_PARAMS]) -> Terms {
        let mut t = Terms {
            scale: [false; NZ],
            shape: [false; NA],
            ceiling: [false; NW],
        };
        t.scale.copy_from_slice(&mask[BETA0..DELTA0]);
        t.shape.copy_from_slice(&mask[DELTA0..GAMMA0]);
        t.ceiling.copy_from_slice(&mask[GAMMA0..]);
        t
    }

    /// Free-parameter mask of the scenario coefficients (indices BETA0..).
    pub fn mask(&self) -> [bool; N_PARAMS] {
        let mut m = [false; N_PARAMS];
        m[BETA0..DELTA0].copy_from_slice(&self.scale);
        m[DELTA0..GAMMA0].copy_from_slice(&self.shape);
        m[GAMMA0..].copy_from_slice(&self.ceiling);
        m
    }
}

/// Everything a prediction needs from (scenario, signal, n), independent of the parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    /// ln of the covariate x.
    pub ln_x: f64,
    /// Scenario features z (zeros when the spec ignores them).
    pub z: [f64; NZ],
    /// Untrained-encoder quality of the scenario (0 when the spec ignores it).
    pub floor: f64,
    /// Ceiling cap of the scenario and signal (1 when the spec ignores it).
    pub cap: f64,
    /// Ceiling features w (zeros when the spec ignores them).
    pub w: [f64; NW],
}

impl Inputs {
    /// Inputs without scenario terms: covariate ln x, a floor and a cap.
    pub fn plain(ln_x: f64, floor: f64, cap: f64) -> Inputs {
        Inputs {
            ln_x,
            z: [0.0; NZ],
            floor,
            cap,
            w: [0.0; NW],
        }
    }
}

/// Natural-scale parameters of one signal's curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub log_x0: f64,
    /// Shape exponent at the default scenario (z = 0).
    pub alpha: f64,
    pub qmax: f64,
    pub base_frac: f64,
    /// Scale coefficients, in the order of [`SCALE_TERMS`].
    pub beta: [f64; NZ],
    /// Shape coefficients (logit scale of alpha), on the first NA scale features.
    pub delta: [f64; NA],
    /// Ceiling coefficients (logit scale of the share of the cap), order of [`CEILING_TERMS`].
    pub gamma: [f64; NW],
}

/// 1 / (1 + e^-t), the inverse of [`logit`].
pub fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// ln(p / (1 - p)).
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

#[inline]
pub(crate) fn dot<const K: usize>(a: &[f64; K], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..K {
        s += a[k] * b[k];
    }
    s
}

impl Params {
    /// A curve without scenario terms.
    pub fn plain(log_x0: f64, alpha: f64, qmax: f64, base_frac: f64) -> Params {
        Params {
            log_x0,
            alpha,
            qmax,
            base_frac,
            beta: [0.0; NZ],
            delta: [0.0; NA],
            gamma: [0.0; NW],
        }
    }

    /// Natural-scale values in fitting order.
    pub fn to_array(&self) -> [f64; N_PARAMS] {
        let mut a = [0.0; N_PARAMS];
        a[0] = self.log_x0;
        a[1] = self.alpha;
        a[2] = self.qmax;
        a[3] = self.base_frac;
        a[BETA0..DELTA0].copy_from_slice(&self.beta);
        a[DELTA0..GAMMA0].copy_from_slice(&self.delta);
        a[GAMMA0..].copy_from_slice(&self.gamma);
        a
    }

    pub fn from_array(a: &[f64; N_PARAMS]) -> Params {
        let mut p = Params::plain(a[0], a[1], a[2], a[3]);
        p.beta.copy_from_slice(&a[BETA0..DELTA0]);
        p.delta.copy_from_slice(&a[DELTA0..GAMMA0]);
        p.gamma.copy_from_slice(&a[GAMMA0..]);
        p
    }

    /// Unconstrained fitting coordinates.
    pub fn to_theta(&self) -> [f64; N_PARAMS] {
        let mut t = self.to_array();
        t[1] = logit((self.alpha - ALPHA_LO) / (ALPHA_HI - ALPHA_LO));
        t[2] = logit(self.qmax);
        t[3] = logit(self.base_frac);
        t
    }

    pub fn from_theta(t: &[f64]) -> Params {
        let mut a = [0.0; N_PARAMS];
        a.copy_from_slice(&t[..N_PARAMS]);
        a[1] = ALPHA_LO + (ALPHA_HI - ALPHA_LO) * sigmoid(t[1]);
        a[2] = sigmoid(t[2]);
        a[3] = sigmoid(t[3]);
        Params::from_array(&a)
    }

    /// Check ranges after reading a model file: the first offending parameter as (name, value,
    /// accepted range). Coefficients are bounded by [`MAX_COEF`] so that a prediction never
    /// overflows to infinity (and a curve to NaN) inside any scenario a plan accepts.
    pub fn check(&self) -> Result<(), (String, f64, String)> {
        let a = self.to_array();
        for (i, &v) in a.iter().enumerate() {
            let (lo, hi) = match i {
                1 => (ALPHA_LO, ALPHA_HI),
                2 | 3 => (0.0, 1.0),
                _ => (-MAX_COEF, MAX_COEF),
            };
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                return Err((param_name(i), v, format!("a finite number in [{lo}, {hi}]")));
            }
        }
        Ok(())
    }

    #[inline]
    fn ln_u(&self, inp: &Inputs) -> f64 {
        inp.ln_x - self.log_x0 - dot(&self.beta, &inp.z)
    }

    /// Shape exponent at these inputs.
    #[inline]
    pub fn alpha_at(&self, inp: &Inputs) -> f64 {
        if self.delta.iter().all(|d| *d == 0.0) {
            return self.alpha;
        }
        let s = (self.alpha - ALPHA_LO) / (ALPHA_HI - ALPHA_LO);
        ALPHA_LO + (ALPHA_HI - ALPHA_LO) * sigmoid(logit(s) + dot(&self.delta, &inp.z))
    }

    /// Share of the cap reached as n grows, for these inputs.
    #[inline]
    pub fn qmax_at(&self, inp: &Inputs) -> f64 {
        if self.gamma.iter().all(|g| *g == 0.0) {
            return self.qmax;
        }
        sigmoid(logit(self.qmax) + dot(&self.gamma, &inp.w))
    }

    /// Predicted quality (hot path).
    #[inline]
    pub fn predict(&self, family: Family, inp: &Inputs) -> f64 {
        let (base, ceil) = self.bounds(inp);
        base + (ceil - base) * family.value(self.ln_u(inp), self.alpha_at(inp))
    }

    /// Predicted quality with where it lies on the curve.
    #[inline]
    pub fn predict_place(&self, family: Family, inp: &Inputs) -> Place {
        let (base, ceil) = self.bounds(inp);
        let e = family.eval(self.ln_u(inp), self.alpha_at(inp));
        Place {
            q: base + (ceil - base) * e.f,
            slope: (ceil - base) * e.d_lnu,
            position: e.f,
        }
    }

    /// Lower and upper asymptotes (base, ceiling) of the curve for these inputs.
    #[inline]
    pub fn bounds(&self, inp: &Inputs) -> (f64, f64) {
        (self.base_frac * inp.floor, self.qmax_at(inp) * inp.cap)
    }
}

/// A predicted quality and where it lies on its curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// Predicted quality.
    pub q: f64,
    /// The curve's steepness there, dQ/dln x.
    pub slope: f64,
    /// Share of the rise from floor to ceiling reached, in [0, 1].
    pub position: f64,
}

/// Prediction and its gradient with respect to the fitting coordinates theta.
pub fn predict_grad(family: Family, theta: &[f64], inp: &Inputs) -> (f64, [f64; N_PARAMS]) {
    grad_at(family, &Params::from_theta(theta), inp)
}

/// [`predict_grad`] with the parameters already mapped to the natural scale.
#[inline]
pub fn grad_at(family: Family, p: &Params, inp: &Inputs) -> (f64, [f64; N_PARAMS]) {
    let at = p.at_scenario(inp);
    let e = family.eval(p.ln_u(inp), at.alpha);
    let mut g = [0.0; N_PARAMS];
    p.add_gradient(inp, &at, [e.d_lnu, e.d_alpha, e.f, 1.0 - e.f], &mut g);
    (at.base + at.span * e.f, g)
}

/// The parts of a curve that depend on the scenario but not on n: Q = base + span F(u; alpha).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtScenario {
    pub alpha: f64,
    /// Share of the cap reached as n grows.
    pub qmax: f64,
    pub base: f64,
    /// Ceiling minus base.
    pub span: f64,
}

impl Params {
    /// The scenario-dependent parts of the curve at these inputs.
    #[inline]
    pub fn at_scenario(&self, inp: &Inputs) -> AtScenario {
        let qmax = self.qmax_at(inp);
        let base = self.base_frac * inp.floor;
        AtScenario {
            alpha: self.alpha_at(inp),
            qmax,
            base,
            span: qmax * inp.cap - base,
        }
    }

    /// Add to `g` the gradient in the fitting coordinates theta of a sum over points of one
    /// scenario (inputs `inp` but for the covariate), given that sum's weights `c_i` on
    /// dF/dln u, dF/dalpha, F and 1 - F: `sums` = [sum c_i F'_lnu, sum c_i F'_alpha, sum c_i F,
    /// sum c_i (1 - F)] (for one point's gradient, c = 1). The chain rule through the
    /// reparametrisation (see the module docs) is applied once, whatever the number of points.
    #[inline]
    pub fn add_gradient(
        &self,
        inp: &Inputs,
        at: &AtScenario,
        sums: [f64; 4],
        g: &mut [f64; N_PARAMS],
    ) {
        let [s_lnu, s_alpha, s_f, s_1f] = sums;
        // d alpha / d (logit-scale shape) at these inputs
        let s1 = (at.alpha - ALPHA_LO) / (ALPHA_HI - ALPHA_LO);
        let d_scale = -at.span * s_lnu;
        // alpha_at = lo + (hi - lo) sigmoid(t1 + delta . z): t1 and delta share one derivative
        let d_shape = at.span * s_alpha * (ALPHA_HI - ALPHA_LO) * s1 * (1.0 - s1);
        let d_qm = s_f * inp.cap * at.qmax * (1.0 - at.qmax);
        g[0] += d_scale;
        g[1] += d_shape;
        g[2] += d_qm;
        g[3] += s_1f * inp.floor * self.base_frac * (1.0 - self.base_frac);
        for k in 0..NZ {
            g[BETA0 + k] += d_scale * inp.z[k];
        }
        for k in 0..NA {
            g[DELTA0 + k] += d_shape * inp.z[k];
        }
        for k in 0..NW {
            g[GAMMA0 + k] += d_qm * inp.w[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn gradient_matches_finite_differences(
            theta in proptest::collection::vec(-1.0f64..1.0, N_PARAMS),
            ln_x in 2.0f64..10.0,
            z in proptest::array::uniform12(-0.7f64..0.7),
            floor in 0.0f64..0.2,
            k in 0usize..5,
        ) {
            let fam = [Family::Power, Family::Weibull, Family::Mmf, Family::Frechet, Family::Plain][k];
            let mut theta = theta;
            theta[0] += ln_x; // keep u near 1, where all terms are live
            let inp = Inputs { ln_x, z, floor, cap: 0.8, w: [z[0], -z[1], 0.5 * z[2], z[3], -z[4]] };
            let (q, g) = predict_grad(fam, &theta, &inp);
            prop_assert!((q - Params::from_theta(&theta).predict(fam, &inp)).abs() < 1e-12);
            for i in 0..N_PARAMS {
                let h = 1e-6;
                let (mut a, mut b) = (theta.clone(), theta.clone());
                a[i] += h;
                b[i] -= h;
                let fd = (predict_grad(fam, &a, &inp).0 - predict_grad(fam, &b, &inp).0) / (2.0 * h);
                prop_assert!((fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()), "{}: {} vs {}", param_name(i), fd, g[i]);
            }
        }
    }

    #[test]
    fn theta_round_trips() {
        let mut p = Params::plain(5.0, 0.7, 0.9, 0.3);
        p.beta = [
            0.1, -0.2, 0.3, 1.0, 0.05, -0.1, 0.2, 0.3, -0.4, 0.5, -0.25, 0.15,
        ];
        p.delta = [0.2, -0.1, 0.3, 0.0, 0.1, 0.0, 0.0, -0.2, 0.0, 0.3];
        p.gamma = [0.5, -1.0, 0.2, 0.1, -0.3];
        let q = Params::from_theta(&p.to_theta());
        for (a, b) in p.to_array().iter().zip(q.to_array()) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn terms_parse_and_render_round_trip() {
        let t = Terms::parse("C,d,D,e,Cd,a:C,w:q,w:s").unwrap();
        assert!(t.scale[4] && t.shape[0] && t.ceiling[3] && !t.ceiling[1]);
        assert_eq!(Terms::parse(&t.render()).unwrap(), t);
        assert_eq!(Terms::from_mask(&t.mask()), t);
        let msg = Terms::parse("C,zz").unwrap_err().to_string();
        assert!(msg.contains("zz") && msg.contains("Cd"), "{msg}");
    }

    #[test]
    fn shape_terms_move_alpha_and_default_scenario_is_alpha() {
        let mut p = Params::plain(5.0, 1.5, 0.9, 0.3);
        let inp0 = Inputs::plain(5.0, 0.07, 0.8);
        assert_eq!(p.alpha_at(&inp0), 1.5);
        p.delta[0] = 0.5;
        assert!((p.alpha_at(&inp0) - 1.5).abs() < 1e-9);
        let mut inp = inp0;
        inp.z[0] = 1.0;
        assert!(p.alpha_at(&inp) > 1.5 && p.alpha_at(&inp) < ALPHA_HI);
    }
}
