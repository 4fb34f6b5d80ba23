use labelbudget::{Scenario, Signal, sim::Setting};
fn main() {
    let sc = Scenario::default();
    let reps: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(20);
    let (mut t_set, mut t_run) = (0.0, 0.0);
    let mut ev = 0;
    for seed in 0..reps {
        let t = std::time::Instant::now();
        let s = Setting::new(&sc, seed).unwrap();
        t_set += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        ev += s.run(Signal::Hard, 1000, false).unwrap().evals;
        t_run += t.elapsed().as_secs_f64();
    }
    let r = reps as f64;
    println!(
        "setting {:.2} ms, run {:.2} ms, {} evals/run",
        t_set * 1e3 / r,
        t_run * 1e3 / r,
        ev / reps
    );
}
