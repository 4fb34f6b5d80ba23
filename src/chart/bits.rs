//! Bits of information per unit cost, by signal.

use super::{Chart, FONT, colour, to_error};
use crate::error::Result;
use crate::signal::Signal;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::Pos;

/// One bar: bits per annotation and the price of one annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct BitsBar {
    pub signal: Signal,
    /// Bits per annotation and its standard error.
    pub bits: f64,
    pub se: f64,
    /// Money per annotation.
    pub price: f64,
}

/// Bits per unit cost, one bar per signal.
#[derive(Debug, Clone)]
pub struct BitsChart {
    pub title: String,
    pub unit: String,
    pub bars: Vec<BitsBar>,
}

impl Chart for BitsChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(to_error)?;
        let per_cost = |b: &BitsBar| (b.bits / b.price, b.se / b.price);
        let top = self
            .bars
            .iter()
            .map(|b| {
                let (v, e) = per_cost(b);
                v + e
            })
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.2;
        // `(0..m).into_segmented()` has m + 1 segments: one a bar
        let last = self.bars.len().max(1) as i32 - 1;
        let names: Vec<String> = self.bars.iter().map(|b| b.signal.to_string()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 26))
            .margin(18)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((0..last).into_segmented(), 0f64..top)
            .map_err(to_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("signal")
            .y_desc(format!("bits per {} of annotation", self.unit))
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 16))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(to_error)?;
        // a bar spans its segment; the last one ends where the axis does
        let end = |i: i32| {
            if i == last {
                SegmentValue::Last
            } else {
                SegmentValue::Exact(i + 1)
            }
        };
        for (i, b) in self.bars.iter().enumerate() {
            let (v, e) = per_cost(b);
            let i = i as i32;
            let col = colour(b.signal);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(SegmentValue::Exact(i), 0.0), (end(i), v)],
                    col.mix(0.85).filled(),
                )))
                .map_err(to_error)?;
            if e > 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![
                            (SegmentValue::CenterOf(i), (v - e).max(0.0)),
                            (SegmentValue::CenterOf(i), v + e),
                        ],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(to_error)?;
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(
                        "{:.2} bits / {} {}",
                        b.bits,
                        crate::plan::report::money(b.price),
                        self.unit
                    ),
                    (SegmentValue::CenterOf(i), v + e + top * 0.03),
                    TextStyle::from((FONT, 14).into_font()).pos(Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
                )))
                .map_err(to_error)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ImageFormat;

    /// (x, width) of every filled bar of an SVG, and where its horizontal grid lines end.
    fn bars_and_plot_end(svg: &str) -> (Vec<(u32, u32)>, u32) {
        let attr = |tag: &str, name: &str| -> Option<u32> {
            let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            tag[at..].split('"').next()?.parse().ok()
        };
        let bars = svg
            .split("<rect")
            .skip(1)
            .filter(|t| !t.contains("fill=\"#FFFFFF\""))
            .filter_map(|t| Some((attr(t, "x")?, attr(t, "width")?)))
            .collect();
        let end = svg
            .split("<line")
            .skip(1)
            .filter_map(|t| attr(t, "x2"))
            .max()
            .unwrap();
        (bars, end)
    }

    #[test]
    fn one_category_a_bar_filling_the_axis() {
        for k in 1..=4 {
            let chart = BitsChart {
                title: "t".into(),
                unit: "USD".into(),
                bars: Signal::ALL[..k]
                    .iter()
                    .map(|&signal| BitsBar {
                        signal,
                        bits: 1.0,
                        se: 0.0,
                        price: 0.01,
                    })
                    .collect(),
            };
            let svg = String::from_utf8(chart.to_bytes(ImageFormat::Svg).unwrap()).unwrap();
            let (bars, end) = bars_and_plot_end(&svg);
            assert_eq!(bars.len(), k, "{k} bars");
            let (x, w) = bars[k - 1];
            assert!(
                x + w + 3 >= end,
                "{k} bars: the last ends at {} of {end}",
                x + w
            );
            // no empty category label under the axis
            assert!(!svg.contains("\">\n\n</text>"), "{k} bars: an empty label");
        }
    }
}
