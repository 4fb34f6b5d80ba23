//! `labelbudget chart`: the tradeoff chart and the bits-per-cost chart.

use super::inputs::planner;
use crate::cli::ChartArgs;
use anyhow::Result;
use labelbudget::chart::{BitsChart, Chart, ImageFormat, TradeoffChart};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// `--out` with `-bits` added to its stem, built from the raw file name (no lossy conversion,
/// so a name that is not UTF-8 keeps its bytes).
fn bits_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_stem()
        .map(OsString::from)
        .unwrap_or_else(|| OsString::from("chart"));
    name.push("-bits.");
    name.push(out.extension().unwrap_or_else(|| OsStr::new("png")));
    out.with_file_name(name)
}

pub fn run(args: ChartArgs) -> Result<()> {
    let bits_out = args
        .bits_out
        .clone()
        .unwrap_or_else(|| bits_path(&args.out));
    let same = |a: &Path, b: &Path| match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(&args.out, &bits_out) {
        anyhow::bail!(
            "--out and --bits-out are both {}: the bits chart would overwrite the tradeoff chart; \
             give two different files",
            args.out.display()
        );
    }
    for p in [&args.out, &bits_out] {
        ImageFormat::of(p)?;
        labelbudget::io::check_writable(p)?;
    }
    let setup = planner(&args.inputs)?;
    let planner = &setup.planner;
    let plan = planner
        .plan(Some(setup.objective()?))
        .map_err(|e| setup.explain(e))?;
    TradeoffChart::from_plan(planner, &plan)
        .with_measured(planner, &setup.measured)
        .save(&args.out)?;
    println!("Tradeoff chart written to {}", args.out.display());
    if planner.calibrated {
        println!(
            "No bits chart: bits per annotation are counted in the simulator's world, and a \
             calibrated model's data is not one"
        );
        return Ok(());
    }
    let bars = labelbudget::plan::bits::bits_per_signal(planner)?;
    let title = if plan.scenario.is_empty() {
        "Bits per unit cost".to_string()
    } else {
        format!("{}: bits per unit cost", plan.scenario)
    };
    BitsChart {
        title,
        unit: planner.costs.unit.clone(),
        bars,
    }
    .save(&bits_out)?;
    println!("Bits chart written to {}", bits_out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_path_adds_to_the_stem() {
        assert_eq!(
            bits_path(Path::new("a/t.svg")),
            PathBuf::from("a/t-bits.svg")
        );
        assert_eq!(bits_path(Path::new("t")), PathBuf::from("t-bits.png"));
    }

    #[cfg(unix)]
    #[test]
    fn bits_path_keeps_non_utf8_bytes() {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let out = PathBuf::from(OsString::from_vec(b"nu/\xff.svg".to_vec()));
        let bits = bits_path(&out);
        assert_eq!(bits.as_os_str().as_bytes(), b"nu/\xff-bits.svg");
    }
}
