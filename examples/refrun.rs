use labelbudget::{Scenario, Signal, sim::Setting};
fn main() {
    let sc = Scenario::default();
    let reps: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(20);
    let mode = std::env::args().nth(2).unwrap_or_default();
    let mut ev = 0;
    let s0 = Setting::new(&sc, 0).unwrap();
    for seed in 0..reps {
        match mode.as_str() {
            "setting" => {
                Setting::new(&sc, seed).unwrap();
            }
            "run" => {
                ev += s0.run(Signal::Hard, 1000, false).unwrap().evals;
            }
            _ => {
                ev += Setting::new(&sc, seed)
                    .unwrap()
                    .run(Signal::Hard, 1000, false)
                    .unwrap()
                    .evals;
            }
        }
    }
    println!("{} evals/run", ev / reps);
}
