use labelbudget::{Scenario, Signal, sim::Setting};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let noise: f64 = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(0.2);
    let classes: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(10);
    let sc = Scenario {
        noise,
        classes,
        ..Scenario::default()
    };
    for n in [20usize, 50, 200, 1000, 5000] {
        for sig in Signal::ALL {
            let mut cka = vec![];
            let mut tr = vec![];
            let mut secs = 0.0;
            let mut ev = 0;
            for seed in 0..3 {
                let s = Setting::new(&sc, seed).unwrap();
                let t = std::time::Instant::now();
                let r = s.run(sig, n, true).unwrap();
                secs += t.elapsed().as_secs_f64();
                ev += r.evals;
                cka.push(r.cka);
                tr.push(r.transfer);
                if n == 20 && seed == 0 && sig == Signal::Hard {
                    println!(
                        "floor cka {:.3} tr {:.3} tau {:.3}",
                        r.cka_floor, r.transfer_floor, r.tau
                    );
                }
            }
            println!(
                "n={n:5} {sig:8} cka {:.3} {:.3} {:.3}  tr {:.3} {:.3} {:.3} evals {:4} ms/run {:.1}",
                cka[0],
                cka[1],
                cka[2],
                tr[0],
                tr[1],
                tr[2],
                ev / 3,
                secs * 1000.0 / 3.0
            );
        }
    }
}
