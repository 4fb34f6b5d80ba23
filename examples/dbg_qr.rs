use labelbudget::realprior::{curves, quantreg, train};
fn main() {
    let all = curves::read(std::path::Path::new("../shared/lcdb/curves.csv.gz")).unwrap();
    let rows = train::rows(&all, train::Options::default());
    println!("rows {}", rows.len());
    for h in [2usize, 6] {
        let r: Vec<&train::Row> = rows
            .iter()
            .filter(|r| r.gain[h].is_finite())
            .take(8000)
            .collect();
        let x: Vec<Vec<f64>> = r.iter().map(|r| r.x.to_vec()).collect();
        let y: Vec<f64> = r.iter().map(|r| r.gain[h]).collect();
        for p in [0.1, 0.5] {
            let b = quantreg::fit(&quantreg::Data { x: &x, y: &y }, p, None).unwrap();
            let loss = |b: &[f64]| -> f64 {
                x.iter()
                    .zip(&y)
                    .map(|(x, y)| {
                        let r = y - x.iter().zip(b).map(|(a, c)| a * c).sum::<f64>();
                        r * (p - if r < 0.0 { 1.0 } else { 0.0 })
                    })
                    .sum::<f64>()
                    / y.len() as f64
            };
            let below = x
                .iter()
                .zip(&y)
                .filter(|(x, y)| **y < x.iter().zip(&b).map(|(a, c)| a * c).sum::<f64>())
                .count() as f64
                / y.len() as f64;
            println!(
                "h {h} p {p}: loss {:.6} share below {:.3} b {:?}",
                loss(&b),
                below,
                b.iter()
                    .map(|v| (v * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>()
            );
        }
    }
}
