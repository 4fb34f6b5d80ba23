//! Quality against cost: each signal alone, the frontier, the recommendation, its safe budget,
//! the crossovers.

use super::{Chart, FONT, colour, to_error};
use crate::error::Result;
use crate::plan::{Crossover, CurvePoint, FrontierPoint, Plan, Planner};
use crate::signal::Signal;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The widest cost axis drawn, in decades.
pub const MAX_DECADES: i32 = 12;

/// Everything the tradeoff chart shows.
#[derive(Debug, Clone)]
pub struct TradeoffChart {
    pub title: String,
    pub unit: String,
    pub curves: Vec<CurvePoint>,
    pub frontier: Vec<FrontierPoint>,
    /// (cost, quality, label) of the recommended plan.
    pub recommended: Option<(f64, f64, String)>,
    /// (cost, central quality, label) of the safe budget, for a target.
    pub safe: Option<(f64, f64, String)>,
    pub crossovers: Vec<Crossover>,
    pub target: Option<f64>,
    /// What the quality axis measures (e.g. "linear CKA").
    pub metric: String,
}

impl TradeoffChart {
    /// The chart of a plan solved by `planner`.
    pub fn from_plan(planner: &Planner, plan: &Plan) -> TradeoffChart {
        let hi_cost = plan
            .frontier
            .last()
            .map(|p| p.budget)
            .unwrap_or(plan.recommendation.cost * 10.0)
            .max(plan.recommendation.cost * 1.5);
        let alloc = plan.recommendation.allocation.to_string();
        let title = if plan.scenario.is_empty() {
            "Supervision cost against representation quality".to_string()
        } else {
            format!("{}: quality against supervision cost", plan.scenario)
        };
        TradeoffChart {
            title,
            unit: plan.unit.clone(),
            curves: planner.single_curves(120, hi_cost),
            frontier: plan.frontier.clone(),
            recommended: Some((
                plan.recommendation.cost,
                plan.recommendation.quality,
                format!("recommended: {alloc}"),
            )),
            safe: plan.recommendation.safe.as_ref().map(|s| {
                (
                    s.budget,
                    planner.quality(crate::plan::curves::Kind::Mean, &s.allocation),
                    format!(
                        "safe budget ({:.0}%): {}",
                        100.0 * s.confidence,
                        s.allocation
                    ),
                )
            }),
            crossovers: plan.crossovers.clone(),
            target: match plan.objective {
                crate::plan::Objective::Target(t) => Some(t),
                crate::plan::Objective::Budget(_) => None,
            },
            metric: plan.metric.label().to_string(),
        }
    }

    /// The cost axis: from a little below the cheapest point where a signal has learned
    /// something to a little above the dearest point, at most [`MAX_DECADES`] decades wide
    /// (centred on the recommendation when wider: plotters' log axis loops over the decades of
    /// its span, without end when the span's ratio overflows).
    pub(crate) fn x_range(&self) -> (f64, f64) {
        let (lo, hi) = self.x_range_unclamped();
        let span = 10f64.powi(MAX_DECADES);
        if hi / lo <= span {
            return (lo, hi);
        }
        let centre = self
            .recommended
            .as_ref()
            .map(|r| r.0)
            .filter(|c| c.is_finite() && *c > lo && *c < hi)
            .unwrap_or_else(|| (lo.ln() / 2.0 + hi.ln() / 2.0).exp());
        let half = span.sqrt();
        let (mut a, mut b) = (centre / half, centre * half);
        if a < lo {
            (a, b) = (lo, lo * span);
        } else if b > hi {
            (a, b) = (hi / span, hi);
        }
        (a, b)
    }

    fn x_range_unclamped(&self) -> (f64, f64) {
        // start a little below the cheapest point where any signal has learned something
        let floor = self
            .curves
            .iter()
            .map(|c| c.quality)
            .fold(f64::INFINITY, f64::min);
        let lo = self
            .curves
            .iter()
            .filter(|c| c.quality > floor + 0.02 && c.cost > 0.0)
            .map(|c| c.cost / 3.0)
            .chain(self.recommended.iter().map(|r| r.0 / 3.0))
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .curves
            .iter()
            .map(|c| c.cost)
            .chain(self.frontier.iter().map(|p| p.cost))
            .chain(self.safe.iter().map(|s| s.0))
            .fold(0.0f64, f64::max);
        if !(lo.is_finite() && hi.is_finite() && lo > f64::MIN_POSITIVE * 1e3) || hi <= lo {
            return (0.01, 100.0);
        }
        (lo / 1.3, hi * 1.3)
    }
}

impl Chart for TradeoffChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(to_error)?;
        let (xlo, xhi) = self.x_range();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 26))
            .margin(18)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d((xlo..xhi).log_scale(), 0f64..1f64)
            .map_err(to_error)?;
        chart
            .configure_mesh()
            .x_desc(format!("cost ({}, log scale)", self.unit))
            .y_desc(format!("predicted quality ({})", self.metric))
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(to_error)?;

        // uncertainty band of the frontier
        if self.frontier.len() > 1 {
            let shown: Vec<&FrontierPoint> = self
                .frontier
                .iter()
                .filter(|p| p.cost >= xlo && p.cost <= xhi)
                .collect();
            let mut band: Vec<(f64, f64)> = shown.iter().map(|p| (p.cost, p.hi)).collect();
            band.extend(shown.iter().rev().map(|p| (p.cost, p.lo)));
            chart
                .draw_series(std::iter::once(Polygon::new(band, BLACK.mix(0.10))))
                .map_err(to_error)?
                .label("frontier interval")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 20, y + 6)], BLACK.mix(0.10).filled())
                });
        }
        for s in Signal::ALL {
            let pts: Vec<(f64, f64)> = self
                .curves
                .iter()
                .filter(|c| c.signal == s && c.cost >= xlo && c.cost <= xhi)
                .map(|c| (c.cost, c.quality))
                .collect();
            if pts.is_empty() {
                continue;
            }
            let col = colour(s);
            chart
                .draw_series(LineSeries::new(pts, col.stroke_width(2)))
                .map_err(to_error)?
                .label(format!("{s} alone"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(3))
                });
        }
        if !self.frontier.is_empty() {
            let pts: Vec<(f64, f64)> = self
                .frontier
                .iter()
                .filter(|p| p.cost >= xlo && p.cost <= xhi)
                .map(|p| (p.cost, p.quality))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, BLACK.stroke_width(3)))
                .map_err(to_error)?
                .label("Pareto frontier (mixes)")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3))
                });
        }
        if let Some(t) = self.target {
            let grey = RGBColor(120, 120, 120);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(xlo, t), (xhi, t)],
                    8,
                    6,
                    grey.stroke_width(1),
                ))
                .map_err(to_error)?
                .label(format!("target {t}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(1))
                });
        }
        let shown = self
            .crossovers
            .iter()
            .filter(|c| c.budget >= xlo && c.budget <= xhi);
        for (i, c) in shown.enumerate() {
            let red = RGBColor(200, 30, 30);
            let series = chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (c.budget, c.quality),
                    9,
                    red.filled(),
                )))
                .map_err(to_error)?;
            if i == 0 {
                series
                    .label("crossover (best single signal changes)")
                    .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 7, red.filled()));
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{} -> {} at {:.3}", c.from, c.to, c.budget),
                    (
                        c.budget,
                        (c.quality + 0.04 + 0.05 * (i % 2) as f64).min(0.97),
                    ),
                    (FONT, 14).into_font().color(&red),
                )))
                .map_err(to_error)?;
        }
        if let Some((cost, q, label)) = &self.recommended {
            let red = RGBColor(200, 30, 30);
            chart
                .draw_series(std::iter::once(Circle::new((*cost, *q), 8, red.filled())))
                .map_err(to_error)?
                .label(label.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 6, red.filled()));
        }
        if let Some((cost, q, label)) = &self.safe {
            let red = RGBColor(200, 30, 30);
            chart
                .draw_series(std::iter::once(Circle::new(
                    (*cost, *q),
                    8,
                    red.stroke_width(3),
                )))
                .map_err(to_error)?
                .label(label.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 6, red.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(to_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ImageFormat;

    fn point(cost: f64, quality: f64) -> CurvePoint {
        CurvePoint {
            signal: Signal::Hard,
            annotations: 1.0,
            cost,
            quality,
            lo: quality,
            hi: quality,
        }
    }

    #[test]
    fn a_cost_axis_over_hundreds_of_decades_is_clamped_and_drawn() {
        let chart = TradeoffChart {
            title: String::new(),
            unit: "USD".into(),
            curves: vec![point(1e-300, 0.0), point(1e-290, 0.5), point(1e300, 0.9)],
            frontier: Vec::new(),
            recommended: Some((1.0, 0.5, "r".into())),
            safe: None,
            crossovers: Vec::new(),
            target: Some(0.6),
            metric: "linear CKA".into(),
        };
        let (lo, hi) = chart.x_range();
        assert!(
            lo > 0.0 && hi / lo <= 1.0001e12 && lo < 1.0 && hi > 1.0,
            "{lo} {hi}"
        );
        let svg = chart.to_bytes(ImageFormat::Svg).unwrap();
        assert!(!svg.is_empty());
    }
}
