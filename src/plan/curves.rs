//! Learning curves tabulated from a [`QualityModel`] for one scenario, so the solver's inner
//! loops are table look-ups.
//!
//! Each signal's curve is sampled at n = 0 and on a log grid from 1 to
//! [`super::file::MAX_ANNOTATIONS`] annotations ([`STEPS_PER_DECADE`] points a
//! decade), and interpolated linearly in log n (linearly in n below one annotation). The planner
//! uses the monotone envelope (running maximum) of every curve: buying more annotations never
//! lowers quality, since a team can always leave some unused.
//!
//! A signal the model has no curve for ([`QualityModel::has_curve`]: a calibrated model knows
//! only the signals the user measured) is tabulated flat at the floor, every kind alike, and
//! marked unknown, so that nothing is ever learned from it.

use super::file::MAX_ANNOTATIONS;
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::surrogate::QualityModel;

/// Grid density.
pub const STEPS_PER_DECADE: usize = 40;

/// Which curve of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The central prediction.
    Mean,
    /// Lower end of the model's interval.
    Lo,
    /// Upper end of the model's interval.
    Hi,
    /// The quality exceeded with the scenario's confidence (for the safe budget).
    Safe,
}

const KINDS: usize = 4;

fn kind_index(k: Kind) -> usize {
    match k {
        Kind::Mean => 0,
        Kind::Lo => 1,
        Kind::Hi => 2,
        Kind::Safe => 3,
    }
}

/// One signal's tabulated curves.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Values at n = 0 then at the grid, one vector per [`Kind`], monotone envelopes.
    values: [Vec<f64>; KINDS],
    /// Ceiling the model reports.
    pub ceiling: f64,
    /// Whether the model has a curve for this signal.
    pub known: bool,
    /// The smallest count the curve rests on a measurement at (`QualityModel::measured_from`).
    pub measured_from: f64,
    /// The largest count real curves support it at (`QualityModel::supported_to`).
    pub supported_to: Option<f64>,
}

/// Tabulated curves for every signal of one scenario.
#[derive(Debug, Clone)]
pub struct Curves {
    curves: Vec<Curve>,
    /// log10 n at the grid points (after the n = 0 entry).
    log_n: Vec<f64>,
    /// Untrained quality.
    pub floor: f64,
}

fn envelope(v: &mut [f64]) {
    let mut m = f64::NEG_INFINITY;
    for x in v.iter_mut() {
        if !x.is_finite() {
            *x = m.max(0.0);
        }
        m = m.max(*x);
        *x = m;
    }
}

impl Curves {
    /// Tabulate `model` for `scenario`, with the safe curve at probability `confidence`.
    pub fn new(model: &dyn QualityModel, scenario: &Scenario, confidence: f64) -> Curves {
        let decades = MAX_ANNOTATIONS.log10();
        let points = (decades * STEPS_PER_DECADE as f64).round() as usize + 1;
        let log_n: Vec<f64> = (0..points)
            .map(|k| k as f64 / STEPS_PER_DECADE as f64)
            .collect();
        let floor = model.floor(scenario);
        let curves = Signal::ALL
            .iter()
            .map(|&s| {
                if !model.has_curve(s) {
                    return Curve {
                        values: std::array::from_fn(|_| vec![floor; points + 1]),
                        ceiling: floor,
                        known: false,
                        measured_from: 0.0,
                        supported_to: None,
                    };
                }
                let mut values: [Vec<f64>; KINDS] = Default::default();
                for n in std::iter::once(0.0).chain(log_n.iter().map(|l| 10f64.powf(*l))) {
                    let p = model.predict(scenario, s, n);
                    values[0].push(p.mean);
                    values[1].push(p.lo);
                    values[2].push(p.hi);
                    values[3].push(model.quantile(scenario, s, n, confidence));
                }
                for v in values.iter_mut() {
                    envelope(v);
                }
                Curve {
                    values,
                    ceiling: model.ceiling(scenario, s),
                    known: true,
                    measured_from: model.measured_from(s).unwrap_or(0.0),
                    supported_to: model.supported_to(s),
                }
            })
            .collect();
        Curves {
            curves,
            log_n,
            floor,
        }
    }

    fn curve(&self, s: Signal) -> &Curve {
        &self.curves[Signal::ALL
            .iter()
            .position(|&x| x == s)
            .expect("known signal")]
    }

    /// Quality of `n` annotations of `signal` alone.
    pub fn q(&self, signal: Signal, kind: Kind, n: f64) -> f64 {
        let v = &self.curve(signal).values[kind_index(kind)];
        if n <= 0.0 {
            return v[0];
        }
        if n < 1.0 {
            return v[0] + (v[1] - v[0]) * n;
        }
        let t = n.log10() * STEPS_PER_DECADE as f64;
        let k = t.floor() as usize;
        if k + 1 >= self.log_n.len() {
            return v[v.len() - 1];
        }
        let f = t - k as f64;
        v[k + 1] + (v[k + 2] - v[k + 1]) * f
    }

    /// The highest tabulated quality of `signal` (the curve's value at the largest count).
    pub fn top(&self, signal: Signal, kind: Kind) -> f64 {
        *self.curve(signal).values[kind_index(kind)]
            .last()
            .expect("non-empty")
    }

    /// Whether the model has a curve for `signal` (otherwise it is "no data").
    pub fn known(&self, signal: Signal) -> bool {
        self.curve(signal).known
    }

    /// The smallest count `signal`'s curve rests on a measurement at (0: no such limit).
    pub fn measured_from(&self, signal: Signal) -> f64 {
        self.curve(signal).measured_from
    }

    /// The largest count real curves support `signal`'s curve at, if it has such a limit.
    pub fn supported_to(&self, signal: Signal) -> Option<f64> {
        self.curve(signal).supported_to
    }

    /// The model's ceiling of `signal`.
    pub fn ceiling(&self, signal: Signal) -> f64 {
        self.curve(signal).ceiling
    }

    /// The smallest n with `q(signal, kind, n) >= q` (the inverse of the envelope), or `None`
    /// when the tabulated curve never reaches `q`.
    pub fn inverse(&self, signal: Signal, kind: Kind, q: f64) -> Option<f64> {
        let v = &self.curve(signal).values[kind_index(kind)];
        if q <= v[0] {
            return Some(0.0);
        }
        if q > v[v.len() - 1] {
            return None;
        }
        // first index with v >= q (v is non-decreasing)
        let i = v.partition_point(|&x| x < q);
        let (a, b) = (v[i - 1], v[i]);
        let f = if b > a { (q - a) / (b - a) } else { 1.0 };
        if i == 1 {
            return Some(f);
        }
        let (la, lb) = (self.log_n[i - 2], self.log_n[i - 1]);
        Some(10f64.powf(la + (lb - la) * f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::hill::HillModel;

    #[test]
    fn table_matches_model_and_inverts() {
        let m = HillModel::default();
        let s = Scenario::default();
        let c = Curves::new(&m, &s, 0.9);
        for n in [77.0, 1234.0, 98765.0] {
            let exact = m.predict(&s, Signal::Hard, n).mean.max(m.floor);
            let q = c.q(Signal::Hard, Kind::Mean, n);
            assert!((q - exact).abs() < 2e-3, "n {n}: {q} vs {exact}");
            let back = c.inverse(Signal::Hard, Kind::Mean, q).unwrap();
            assert!((back / n - 1.0).abs() < 1e-6, "{back} vs {n}");
        }
        assert!(c.inverse(Signal::Hard, Kind::Mean, 0.99).is_none());
        assert!(c.q(Signal::Soft, Kind::Safe, 300.0) < c.q(Signal::Soft, Kind::Mean, 300.0));
    }
}
