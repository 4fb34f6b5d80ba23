//! What the tradeoff chart of the embedded example shows, read from its SVG: every signal's curve
//! visible over the frontier, the crossover labelled as the plan's text says it, one interval band
//! per signal the frontier buys, a legend that does not promise mixes.

mod common;

use common::lb;

/// The tradeoff chart of `args` as SVG text, and the plan's JSON for the same arguments.
fn chart_and_plan(args: &[&str]) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("t.svg");
    lb().args(["plan", "--chart"])
        .arg(&svg)
        .args(args)
        .assert()
        .success();
    let out = lb()
        .args(["plan", "--no-chart", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    (
        std::fs::read_to_string(svg).unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

/// Where the first element with all of `needles` in its tag starts, if any.
fn position(svg: &str, tag: &str, needles: &[&str]) -> Option<usize> {
    let mut at = 0;
    for part in svg.split(&format!("<{tag}")) {
        let end = part.find('>').unwrap_or(part.len());
        if at > 0 && needles.iter().all(|n| part[..end].contains(n)) {
            return Some(at);
        }
        at += part.len() + tag.len() + 1;
    }
    None
}

#[test]
fn the_frontier_runs_under_the_signals_not_over_them() {
    let (svg, _) = chart_and_plan(&[]);
    let frontier = position(&svg, "polyline", &["stroke-width=\"9\""]).expect("frontier");
    // hard labels' own curve (blue, 2 px) is drawn after the wide pale frontier along it
    let hard = position(&svg, "polyline", &["#1F77B4", "stroke-width=\"2\""]).expect("hard");
    assert!(
        hard > frontier,
        "hard alone at {hard}, frontier at {frontier}"
    );
    assert!(svg.contains("hard alone") && svg.contains("triplet alone"));
    assert!(svg.contains("frontier: the best plan at each cost"));
    assert!(!svg.contains("mixes"));
}

#[test]
fn crossovers_are_labelled_as_the_plan_prints_them_in_the_legend() {
    let (svg, plan) = chart_and_plan(&[]);
    let crossovers = plan["crossovers"].as_array().unwrap();
    assert!(!crossovers.is_empty());
    for c in crossovers {
        let label = format!(
            "crossover: {} -&gt; {} at {:.2} USD",
            c["from"].as_str().unwrap(),
            c["to"].as_str().unwrap(),
            c["budget"].as_f64().unwrap()
        );
        // once: in the legend, not over the curves as well
        assert_eq!(svg.matches(&label).count(), 1, "{label}");
        let text = plan["crossover_summary"].as_str().unwrap();
        assert!(
            text.contains(&format!("{:.2} USD", c["budget"].as_f64().unwrap())),
            "{text}"
        );
    }
    assert!(!svg.contains("47.99"));
}

#[test]
fn each_signal_the_frontier_buys_has_its_own_band() {
    let (svg, _) = chart_and_plan(&[]);
    // hard (blue) up to the crossover, triplets (green) beyond: each band in its colour
    for colour in ["#1F77B4", "#2CA02C"] {
        assert!(
            position(&svg, "polygon", &[colour]).is_some(),
            "no band in {colour}"
        );
    }
    assert!(svg.contains("90% interval of the best plan"));
}
