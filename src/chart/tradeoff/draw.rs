//! Drawing the tradeoff chart: bands first, then the frontier as a wide pale line under the
//! signals' own curves (plans are single-signal, so the frontier runs along one of them and must
//! not hide it), then the target, the measured points and the marked plans; the legend names
//! every crossover with its budget, so no label sits on the curves.

use super::TradeoffChart;
use crate::chart::{Chart, FONT, colour, to_error};
use crate::error::Result;
use crate::signal::Signal;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Red of the marked plans and crossovers.
const RED: RGBColor = RGBColor(200, 30, 30);

impl Chart for TradeoffChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(to_error)?;
        let (xlo, xhi) = self.x_range();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
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
        let shown = |c: f64| c >= xlo && c <= xhi;

        // the interval of the frontier's plan, in the colour of the signal it buys
        let runs = self.frontier_runs();
        let mut labelled = false;
        for (i, (signal, pts)) in runs.iter().enumerate() {
            let mut edge: Vec<(f64, f64, f64)> = pts.iter().map(|p| (p.cost, p.lo, p.hi)).collect();
            // reach to where the next signal takes over, so the bands meet at the crossover
            if let (Some(next), Some(&(_, lo, hi))) = (runs.get(i + 1), edge.last()) {
                edge.push((next.1[0].cost, lo, hi));
            }
            edge.retain(|e| shown(e.0));
            if edge.len() < 2 {
                continue;
            }
            let fill = signal.map_or(BLACK.mix(0.08), |s| colour(s).mix(0.15));
            let mut band: Vec<(f64, f64)> = edge.iter().map(|e| (e.0, e.2)).collect();
            band.extend(edge.iter().rev().map(|e| (e.0, e.1)));
            let series = chart
                .draw_series(std::iter::once(Polygon::new(band, fill)))
                .map_err(to_error)?;
            if !labelled {
                labelled = true;
                series
                    .label(format!(
                        "{:.0}% interval of the best plan",
                        100.0 * self.level
                    ))
                    .legend(|(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 20, y + 6)], BLACK.mix(0.12).filled())
                    });
            }
        }
        // the frontier: a pale wide line the signal drawn on top of it shows through
        if !self.frontier.is_empty() {
            let pale = RGBColor(150, 150, 150).mix(0.45);
            let pts: Vec<(f64, f64)> = self
                .frontier
                .iter()
                .filter(|p| shown(p.cost))
                .map(|p| (p.cost, p.quality))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, pale.stroke_width(9)))
                .map_err(to_error)?
                .label("frontier: the best plan at each cost")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], pale.stroke_width(9))
                });
        }
        for s in Signal::ALL {
            let pts: Vec<(f64, f64)> = self
                .curves
                .iter()
                .filter(|c| c.signal == s && shown(c.cost))
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
        self.draw_marks(&mut chart, xlo, xhi)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(to_error)?;
        Ok(())
    }
}

type Plot<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<
        plotters::coord::combinators::LogCoord<f64>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

impl TradeoffChart {
    /// The measured points, the crossovers, the recommendation and the safe budget, and a
    /// legend line for the signals without data.
    fn draw_marks<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Plot<'a, DB>,
        xlo: f64,
        xhi: f64,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let shown = |c: f64| c >= xlo && c <= xhi;
        let measured: Vec<&(Signal, f64, f64)> =
            self.measured.iter().filter(|m| shown(m.1)).collect();
        if !measured.is_empty() {
            chart
                .draw_series(measured.iter().map(|&&(s, c, q)| {
                    EmptyElement::at((c, q))
                        + Rectangle::new([(-5, -5), (5, 5)], colour(s).filled())
                        + Rectangle::new([(-5, -5), (5, 5)], BLACK.stroke_width(1))
                }))
                .map_err(to_error)?
                .label("measured points (calibration)")
                .legend(|(x, y)| {
                    Rectangle::new([(x + 5, y - 5), (x + 15, y + 5)], BLACK.stroke_width(1))
                });
        }
        for c in self.crossovers.iter().filter(|c| shown(c.budget)) {
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (c.budget, c.quality),
                    9,
                    RED.filled(),
                )))
                .map_err(to_error)?
                .label(self.crossover_label(c))
                .legend(|(x, y)| TriangleMarker::new((x + 10, y), 7, RED.filled()));
        }
        if let Some((cost, q, label)) = &self.recommended {
            chart
                .draw_series(std::iter::once(Circle::new((*cost, *q), 8, RED.filled())))
                .map_err(to_error)?
                .label(label.as_str())
                .legend(|(x, y)| Circle::new((x + 10, y), 6, RED.filled()));
        }
        if let Some((cost, q, label)) = &self.safe {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (*cost, *q),
                    8,
                    RED.stroke_width(3),
                )))
                .map_err(to_error)?
                .label(label.as_str())
                .legend(|(x, y)| Circle::new((x + 10, y), 6, RED.stroke_width(3)));
        }
        if !self.no_data.is_empty() {
            let names: Vec<&str> = self.no_data.iter().map(|s| s.name()).collect();
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(to_error)?
                .label(format!("no data: {}", names.join(", ")))
                .legend(|(x, y)| EmptyElement::at((x, y)));
        }
        Ok(())
    }
}
