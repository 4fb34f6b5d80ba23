//! Charts drawn with plotters, PNG or SVG by file extension, with the bundled Noto Sans font
//! (no system fonts or libraries).
//!
//! - [`TradeoffChart`]: predicted quality against cost (log axis) for each signal alone, the
//!   Pareto frontier (the best plan at each cost) with its interval, the recommended point and
//!   the safe budget, the target, the crossover budgets and a calibrated model's measured points.
//! - [`BitsChart`]: bits of information per unit cost, by signal.

mod bits;
mod tradeoff;

pub use bits::{BitsBar, BitsChart};
pub use tradeoff::TradeoffChart;

use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::signal::Signal;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1100, 700);

/// The font family charts use (registered from the bundled Noto Sans).
pub const FONT: &str = "sans-serif";

static FONT_ONCE: Once = Once::new();

fn register_font() {
    FONT_ONCE.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, ttf_noto_sans::REGULAR);
    });
}

/// The colour of each signal, the same in every chart.
pub fn colour(signal: Signal) -> RGBColor {
    match signal {
        Signal::Hard => RGBColor(31, 119, 180),
        Signal::Soft => RGBColor(230, 120, 20),
        Signal::Triplet => RGBColor(44, 160, 44),
        Signal::Pair => RGBColor(148, 103, 189),
    }
}

/// Image format, from a path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// The format of `path`.
    ///
    /// # Errors
    /// An extension other than .png or .svg.
    pub fn of(path: &Path) -> Result<ImageFormat> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("png") => Ok(ImageFormat::Png),
            Some(e) if e.eq_ignore_ascii_case("svg") => Ok(ImageFormat::Svg),
            _ => Err(Error::invalid(
                "chart path",
                path.display(),
                "a file name ending in .png or .svg",
            )),
        }
    }
}

pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::numerical("chart drawing", e)
}

/// Draw with `draw` into an image of `SIZE` and return the encoded bytes.
pub(crate) fn render(
    format: ImageFormat,
    draw: impl Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
    draw_svg: impl Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<Vec<u8>> {
    register_font();
    let (w, h) = SIZE;
    match format {
        ImageFormat::Png => {
            let mut buf = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                draw(&root)?;
                root.present().map_err(draw_err)?;
            }
            let mut out = Vec::new();
            use image::ImageEncoder;
            image::codecs::png::PngEncoder::new(&mut out)
                .write_image(&buf, w, h, image::ColorType::Rgb8)
                .map_err(|e| Error::numerical("PNG encoding", e))?;
            Ok(out)
        }
        ImageFormat::Svg => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
                draw_svg(&root)?;
                root.present().map_err(draw_err)?;
            }
            Ok(s.into_bytes())
        }
    }
}

/// A chart: what it draws, and (provided) its PNG or SVG bytes and an atomic write to a file.
pub trait Chart {
    /// Draw onto `root` (any plotters backend).
    ///
    /// # Errors
    /// A drawing failure.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static;

    /// Encode as PNG or SVG.
    ///
    /// # Errors
    /// A drawing or encoding failure.
    fn to_bytes(&self, format: ImageFormat) -> Result<Vec<u8>> {
        render(format, |r| self.draw(r), |r| self.draw(r))
    }

    /// Write to `path` (.png or .svg) atomically.
    ///
    /// # Errors
    /// Another extension, a missing folder (named), or a drawing failure.
    fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes(ImageFormat::of(path)?)?;
        write_atomic(path, &bytes)
    }
}

pub(crate) use self::draw_err as to_error;
