//! Tests of the in-place L-BFGS: known minima, agreement with argmin, stopping rules, errors.

use super::in_place::{CONVERGED, MAX_ITERS, norm};
use super::*;

struct Rosenbrock;
impl JointObjective for Rosenbrock {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let (x, y) = (p[0], p[1]);
        let c = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
        let g = Array1::from(vec![
            -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
            200.0 * (y - x * x),
        ]);
        (c, g)
    }
}

/// 0.5 p'Ap - b'p with A = M'M + I from a seeded M: the minimum solves A p = b.
struct Quadratic {
    a: ndarray::Array2<f64>,
    b: Array1<f64>,
}
impl Quadratic {
    fn new(n: usize) -> Quadratic {
        let mut rng = crate::rng::stream(11, &[]);
        let m = ndarray::Array2::from_shape_simple_fn((n, n), || {
            crate::sim::world::normal(&mut rng) / (n as f64).sqrt()
        });
        let a = m.t().dot(&m) + ndarray::Array2::<f64>::eye(n);
        let b = Array1::from_shape_simple_fn(n, || crate::sim::world::normal(&mut rng));
        Quadratic { a, b }
    }
}
impl JointObjective for Quadratic {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let ap = self.a.dot(p);
        (0.5 * p.dot(&ap) - self.b.dot(p), ap - &self.b)
    }
}

const TIGHT: Lbfgs = Lbfgs {
    memory: 10,
    tol_grad: 1e-10,
    tol_cost: 0.0,
    max_iters: 1000,
};

#[test]
fn in_place_lbfgs_finds_the_rosenbrock_minimum() {
    let (p, c, why) = lbfgs(&Rosenbrock, Array1::from(vec![-1.2, 1.0]), TIGHT, "t").unwrap();
    assert!(
        (p[0] - 1.0).abs() < 1e-6 && (p[1] - 1.0).abs() < 1e-6,
        "{p}"
    );
    assert!(c < 1e-12, "{c}");
    assert_eq!(why, CONVERGED);
}

/// On a 60-dimensional convex quadratic both implementations reach the solution of A p = b,
/// and the gradient-norm rule stops them there.
#[test]
fn in_place_and_argmin_lbfgs_agree_on_a_quadratic() {
    let q = Quadratic::new(60);
    let init = Array1::zeros(60);
    let settings = Lbfgs {
        tol_grad: 1e-9,
        ..TIGHT
    };
    let (p1, c1, _) = lbfgs(&q, init.clone(), settings, "t").unwrap();
    let (p2, c2, _) = minimise(&q, init, settings, "t").unwrap();
    let residual = |p: &Array1<f64>| norm((q.a.dot(p) - &q.b).as_slice().unwrap());
    assert!(residual(&p1) < 1e-9, "{}", residual(&p1));
    assert!(residual(&p2) < 1e-8, "{}", residual(&p2));
    assert!((c1 - c2).abs() < 1e-12, "{c1} vs {c2}");
}

#[test]
fn the_iteration_cap_and_the_cost_rule_stop_the_loop() {
    let capped = Lbfgs {
        max_iters: 3,
        ..TIGHT
    };
    let (_, _, why) = lbfgs(&Rosenbrock, Array1::from(vec![-1.2, 1.0]), capped, "t").unwrap();
    assert_eq!(why, MAX_ITERS);
    let loose = Lbfgs {
        tol_cost: 1e3,
        ..TIGHT
    };
    let (p, _, why) = lbfgs(&Rosenbrock, Array1::from(vec![-1.2, 1.0]), loose, "t").unwrap();
    assert_eq!(why, CONVERGED);
    assert!(
        (p[0] - 1.0).abs() > 1e-3,
        "one step cannot reach the minimum: {p}"
    );
}

struct NanAfter;
impl JointObjective for NanAfter {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let c = if p[0] > 0.5 { f64::NAN } else { -p[0] };
        (c, Array1::from(vec![-1.0]))
    }
}

#[test]
fn a_non_finite_cost_is_an_error_naming_the_learner() {
    let err = lbfgs(&NanAfter, Array1::from(vec![0.0]), TIGHT, "my learner").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("my learner") && msg.contains("non-finite"),
        "{msg}"
    );
}
