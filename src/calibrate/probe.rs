//! A plain linear probe: multinomial logistic regression on the features, trained on hard or
//! soft targets by argmin's L-BFGS (analytic gradient). It measures the held-out accuracy
//! learning curve, the quantity teams usually plan for.
//!
//! Cost: `mean_i CE(softmax(W x_i + b), t_i) + LAMBDA / 2 * |W|^2`.

use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};

/// L2 penalty on the weights (features are standardised).
pub const LAMBDA: f64 = 1e-3;
/// L-BFGS iterations.
pub const MAX_ITERS: u64 = 200;

/// A trained probe.
#[derive(Debug, Clone)]
pub struct Probe {
    /// C x D weights.
    pub w: Array2<f64>,
    pub b: Array1<f64>,
}

struct Problem<'a> {
    x: ArrayView2<'a, f64>,
    t: ArrayView2<'a, f64>,
}

impl Problem<'_> {
    fn unpack(&self, p: &Array1<f64>) -> (Array2<f64>, Array1<f64>) {
        let (c, d) = (self.t.ncols(), self.x.ncols());
        let w = p
            .slice(s![..c * d])
            .to_owned()
            .into_shape_with_order((c, d))
            .expect("shape");
        (w, p.slice(s![c * d..]).to_owned())
    }

    fn cost_grad(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let (w, b) = self.unpack(p);
        let n = self.x.nrows() as f64;
        let mut z = self.x.dot(&w.t()) + &b;
        let mut cost = 0.0;
        for (mut row, t) in z.rows_mut().into_iter().zip(self.t.rows()) {
            let m = row.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
            row.mapv_inplace(|v| (v - m).exp());
            let s = row.sum();
            row.mapv_inplace(|v| v / s);
            cost += t
                .iter()
                .zip(row.iter())
                .map(|(tk, pk)| {
                    if *tk > 0.0 {
                        -tk * pk.max(1e-300).ln()
                    } else {
                        0.0
                    }
                })
                .sum::<f64>();
            row -= &t;
        }
        cost /= n;
        let gw = z.t().dot(&self.x) / n + LAMBDA * &w;
        let gb = z.sum_axis(Axis(0)) / n;
        cost += 0.5 * LAMBDA * w.iter().map(|v| v * v).sum::<f64>();
        let mut g = Array1::from_iter(gw.iter().copied());
        g.append(Axis(0), gb.view()).expect("1-D");
        (cost, g)
    }
}

impl CostFunction for Problem<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.cost_grad(p).0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Array1<f64>) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.cost_grad(p).1)
    }
}

impl Probe {
    /// Train on features `x` (n x D) and target distributions `t` (n x C), from zero.
    ///
    /// # Errors
    /// The optimiser failed.
    pub fn train<'a>(x: ArrayView2<'a, f64>, t: ArrayView2<'a, f64>) -> Result<Probe> {
        let problem = Problem { x, t };
        let len = t.ncols() * (x.ncols() + 1);
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(1e-6)
            .and_then(|s| s.with_tolerance_cost(1e-9))
            .map_err(|e| Error::numerical("linear probe", e))?;
        let res = Executor::new(problem, solver)
            .configure(|s| s.param(Array1::zeros(len)).max_iters(MAX_ITERS))
            .run()
            .map_err(|e| Error::numerical("linear probe (L-BFGS)", e))?;
        let st = res.state();
        let p = st
            .get_best_param()
            .or_else(|| st.get_param())
            .ok_or_else(|| Error::numerical("linear probe", "no parameters"))?;
        let (w, b) = Problem { x, t }.unpack(p);
        Ok(Probe { w, b })
    }

    /// Accuracy on `x` against class indices `y`.
    pub fn accuracy(&self, x: ArrayView2<f64>, y: &[usize]) -> f64 {
        let z = x.dot(&self.w.t()) + &self.b;
        let hits = z
            .rows()
            .into_iter()
            .zip(y)
            .filter(|(r, yi)| {
                let arg = r
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |a, (k, &v)| if v > a.1 { (k, v) } else { a },
                    )
                    .0;
                arg == **yi
            })
            .count();
        hits as f64 / y.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences_and_separable_data_is_learned() {
        let x = ndarray::array![
            [1.0, 0.2],
            [0.9, -0.1],
            [-1.0, 0.3],
            [-1.2, 0.0],
            [0.1, 1.5],
            [0.0, 1.1]
        ];
        let y = [0usize, 0, 1, 1, 2, 2];
        let mut t = Array2::zeros((6, 3));
        for (i, &k) in y.iter().enumerate() {
            t[[i, k]] = 1.0;
        }
        let pb = Problem {
            x: x.view(),
            t: t.view(),
        };
        let p = Array1::from_iter((0..9).map(|i| 0.1 * i as f64 - 0.3));
        let g = pb.cost_grad(&p).1;
        for i in 0..9 {
            let h = 1e-6;
            let (mut a, mut b) = (p.clone(), p.clone());
            a[i] += h;
            b[i] -= h;
            let fd = (pb.cost_grad(&a).0 - pb.cost_grad(&b).0) / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-6, "{i}: {fd} vs {}", g[i]);
        }
        let probe = Probe::train(x.view(), t.view()).unwrap();
        assert_eq!(probe.accuracy(x.view(), &y), 1.0);
    }
}
