//! Tests of sweeps: expansion order, parts, shards, random designs, thinning and refusals.

use super::*;

const GRID: &str = "signals = [\"hard\", \"pair\"]\nn = [10, 20]\nseeds = 2\nclasses = [3, 5]\ndims = [4]\nfeatures = [8]\n";

#[test]
fn grid_expands_in_fixed_order() {
    let sweep = SweepFile::from_toml(GRID).unwrap().expand().unwrap();
    assert_eq!(sweep.groups.len(), 4);
    assert_eq!(sweep.runs.len(), 16);
    assert_eq!(sweep.groups[0].scenario.classes, 3);
    assert_eq!(sweep.groups[1].seed, 1);
    assert_eq!((sweep.runs[1].signal, sweep.runs[1].n), (Signal::Hard, 20));
    assert_eq!(sweep.runs[2].signal, Signal::Pair);
}

#[test]
fn parts_partition_the_runs_with_whole_sweep_numbers() {
    let text = "signals = [\"hard\"]\nn = [10, 20]\n[[part]]\nclasses = [2, 3]\n[[part]]\nclasses = [5]\nn = [40]\n";
    let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
    let p1 = sweep.part(1).unwrap();
    let p2 = sweep.part(2).unwrap();
    assert_eq!(p1.len(), 4);
    assert_eq!(p2.len(), 1);
    assert_eq!(p2[0].index, 4);
    assert_eq!(p2[0].n, 40);
    assert_eq!(sweep.groups[p2[0].group].scenario.classes, 5);
    let err = sweep.part(3).unwrap_err().to_string();
    assert!(err.contains("from 1 to 2"), "{err}");
    assert!(sweep.part(0).is_err());
}

#[test]
fn shards_partition_the_runs() {
    let sweep = SweepFile::from_toml(GRID).unwrap().expand().unwrap();
    let mut all: Vec<usize> = (1..=3)
        .flat_map(|i| sweep.shard(Shard { index: i, count: 3 }))
        .map(|r| r.index)
        .collect();
    all.sort();
    assert_eq!(all, (0..sweep.runs.len()).collect::<Vec<_>>());
    assert!("0/3".parse::<Shard>().is_err());
    assert!("4/3".parse::<Shard>().is_err());
    assert_eq!(
        "2/3".parse::<Shard>().unwrap(),
        Shard { index: 2, count: 3 }
    );
}

#[test]
fn bad_sweeps_name_key_and_value() {
    let cases = [
        ("signals = [\"quad\"]\nn = [10]", "quad"),
        ("signals = [\"hard\"]\nn = [0]", "`n`"),
        ("signals = [\"hard\"]\nn = []", "`n`"),
        ("signals = [\"hard\"]\nn = [10]\nclasses = []", "classes"),
        (
            "signals = [\"hard\"]\nn = [10]\ndims = [80]\nfeatures = [64]",
            "dims=80",
        ),
        ("signals = [\"hard\"]\nn = [10]\nnoise = [0.95]", "noise"),
        ("signals = [\"hard\"]\nn = [10]\nbogus = 1", "bogus"),
    ];
    for (text, needle) in cases {
        let err = SweepFile::from_toml(text)
            .and_then(|f| f.expand())
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{text:?} -> {err}");
    }
}

#[test]
fn parts_concatenate_with_overrides() {
    let text = "signals = [\"hard\"]\nn = [10]\nseeds = 2\n[[part]]\nclasses = [3]\n[[part]]\nsignals = [\"pair\"]\nn = [5, 6]\n";
    let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
    assert_eq!(sweep.groups.len(), 4);
    assert_eq!(sweep.runs.len(), 2 + 4);
    assert_eq!(sweep.groups[0].scenario.classes, 3);
    assert_eq!(sweep.groups[2].scenario.classes, 10);
    assert_eq!(sweep.runs[2].group, 2);
    assert_eq!(sweep.runs[5].index, 5);
    let bad = "signals = [\"hard\"]\nn = [10]\n[[part]]\nn = [0]\n";
    let err = SweepFile::from_toml(bad)
        .unwrap()
        .expand()
        .unwrap_err()
        .to_string();
    assert!(err.contains("part[1].n"), "{err}");
}

#[test]
fn parts_of_one_count_share_their_draws_and_the_sweep_says_so() {
    let part = |features: &str| {
        format!(
            "[[part]]\nsample = 12\n[part.ranges]\nclasses = [3, 30]\nnoise = [0.0, 0.4]\nfeatures = {features}\n"
        )
    };
    let text = format!(
        "signals = [\"hard\"]\nn = [10]\nseeds = 2\n{}{}[[part]]\nsample = 13\n[part.ranges]\nclasses = [3, 30]\n",
        part("[32, 128]"),
        part("[80, 128]")
    );
    let file = SweepFile::from_toml(&text).unwrap();
    assert_eq!(file.parts_sharing_draws(), vec![(1, 2, 12)]);
    let sweep = file.expand().unwrap();
    // the two parts of 12 draw the same classes and noise, scenario by scenario
    for k in 0..12 {
        let (a, b) = (
            &sweep.groups[2 * k].scenario,
            &sweep.groups[24 + 2 * k].scenario,
        );
        assert_eq!((a.classes, a.noise), (b.classes, b.noise));
        assert!(b.features >= 80 && a.features <= b.features, "{a:?} {b:?}");
    }
    // the part of 13 does not
    let third: Vec<usize> = sweep.groups[48..]
        .iter()
        .map(|g| g.scenario.classes)
        .collect();
    let first: Vec<usize> = sweep.groups[..24]
        .iter()
        .map(|g| g.scenario.classes)
        .collect();
    assert_ne!(third[..24], first[..24]);
    // every reported pair is a true repeat; between the two parts of 12 a repeat can only
    // be part 1's scenario drawn again by part 2 (same classes and noise, and a feature
    // count at the top of both ranges); the part of 13 (classes alone ranged) repeats itself
    let dups = sweep.duplicate_groups();
    assert!(!dups.is_empty());
    for &(i, j) in &dups {
        assert!(i < j);
        assert_eq!(sweep.groups[i], sweep.groups[j]);
        if j < 48 {
            assert!(i < 24 && (24..48).contains(&j), "{i} {j}");
        } else {
            assert!(i >= 48, "{i} {j}");
        }
    }
    let grid = "signals = [\"hard\"]\nn = [10]\nseeds = 2\nclasses = [3, 5, 3]\n";
    let sweep = SweepFile::from_toml(grid).unwrap().expand().unwrap();
    assert_eq!(sweep.duplicate_groups(), vec![(0, 4), (1, 5)]);
    let single = SweepFile::from_toml(grid).unwrap();
    assert!(single.parts_sharing_draws().is_empty());
}

#[test]
fn random_design_is_seeded_and_within_ranges() {
    let text = "signals = [\"hard\"]\nn = [10]\nsample = 40\n[ranges]\nclasses = [2, 100]\ndims = [2, 64]\nfeatures = [8, 256]\nnoise = [0.0, 0.4]\n";
    let a = SweepFile::from_toml(text).unwrap().expand().unwrap();
    let b = SweepFile::from_toml(text).unwrap().expand().unwrap();
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.groups.len(), 40);
    for g in &a.groups {
        let s = &g.scenario;
        assert!((2..=100).contains(&s.classes));
        assert!((2..=64).contains(&s.dims));
        assert!(s.features >= s.dims && s.features <= 256);
        assert!(s.noise >= 0.0 && s.noise <= 0.4 && s.noise < s.max_noise());
    }
    // the Latin hypercube uses every tenth of the log-class range
    let mut deciles = [0; 10];
    for g in &a.groups {
        let u = ((g.scenario.classes as f64).ln() - 2f64.ln()) / (101f64.ln() - 2f64.ln());
        deciles[((u * 10.0) as usize).min(9)] += 1;
    }
    assert!(deciles.iter().all(|&k| k >= 2), "{deciles:?}");
}

#[test]
fn thinning_keeps_cheap_runs_and_some_expensive_ones() {
    let text =
        "signals = [\"hard\"]\nn = [10, 100000]\nseeds = 200\nclasses = [10]\nthin_above = 1e7\n";
    let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
    let cheap = sweep.runs.iter().filter(|r| r.n == 10).count();
    let dear = sweep.runs.iter().filter(|r| r.n == 100000).count();
    assert_eq!(cheap, 200);
    // work = 1e5 * 64 * 10 = 6.4e7, keep probability 1e7 / 6.4e7 = 0.156, binomial(200)
    let p: f64 = 1e7 / 6.4e7;
    let sd = (200.0 * p * (1.0 - p)).sqrt();
    assert!(((dear as f64) - 200.0 * p).abs() < 4.0 * sd, "{dear}");
}

#[test]
fn absurd_run_counts_are_refused_before_anything_is_built() {
    for text in [
        "signals=[\"hard\"]\nn=[20]\nsample=1000000000000\n[ranges]\nclasses=[2,10]\n",
        "signals=[\"hard\"]\nn=[20]\nseeds=1000000000000\n",
        "signals=[\"hard\",\"soft\"]\nn=[10,20,30,40,50]\nseeds=1000\nclasses=[2,3,4,5,6,7,8,9,10,11]\ndims=[1,2,3,4,5,6,7,8]\nfeatures=[8,9,10,11,12,13,14,15]\nnoise=[0.0,0.01,0.02,0.03,0.04,0.05,0.06,0.07]\n",
        "signals=[\"hard\"]\nseeds=18446744073709551615\nn=[1,2,3]\n[[part]]\nclasses=[2,3]\n[[part]]\nclasses=[4]\n",
    ] {
        let e = SweepFile::from_toml(text)
            .unwrap()
            .expand()
            .unwrap_err()
            .to_string();
        assert!(e.contains("runs") && e.contains("10000000"), "{e}");
    }
}

#[test]
fn impossible_or_silently_altered_designs_are_refused() {
    let cases = [
        (
            "signals=[\"triplet\"]\nn=[1000]\nclasses=[4]\ndims=[4]\nfeatures=[8]\npool=[1]\n",
            "`pool`: 1",
        ),
        ("signals=[\"pair\"]\nn=[10]\npool=[1]\n", "at least 2"),
        (
            "signals=[\"hard\"]\nn=[20]\nsample=3\nclasses=[2]\ndims=[4]\nfeatures=[8]\n[ranges]\nnoise=[0.6,0.8]\n",
            "ranges.noise",
        ),
        (
            "signals=[\"hard\"]\nn=[20]\nsample=2\n[ranges]\ndims=[50,60]\nfeatures=[8,16]\n",
            "ranges.features",
        ),
        (
            "signals=[\"hard\"]\nn=[20]\nsample=2\n[ranges]\nnuisance=[1,1e300]\n",
            "ranges.nuisance",
        ),
        (
            "signals=[\"hard\"]\nn=[20]\nnuisance=[4.0, 1e300]\n",
            "nuisance=1e300",
        ),
        (
            "signals=[\"soft\"]\nn=[20]\nsoft_annotators=[1000000000]\n",
            "soft_annotators",
        ),
    ];
    for (text, wanted) in cases {
        let e = SweepFile::from_toml(text)
            .unwrap()
            .expand()
            .unwrap_err()
            .to_string();
        assert!(e.contains(wanted), "{text}: {e}");
    }
    // a pool of 2 is fine for pairs and hard labels
    SweepFile::from_toml("signals=[\"hard\",\"pair\"]\nn=[10]\npool=[2]\n")
        .unwrap()
        .expand()
        .unwrap();
}
