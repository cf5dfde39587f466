//! The report's charts as inline SVG (plotters' SVG backend: text stays text, no fonts needed).

use plotters::prelude::*;

use super::model::{ShapeSummary, Summary, VariantRow};

const WIDTH: u32 = 760;

fn fail(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

/// The colours of the variants' owners (and of the fastest variant of a shape), and what each
/// means, for the charts and the page's legend alike.
const BEST: (RGBColor, &str) = (RGBColor(46, 139, 87), "fastest for the shape");
const SKINNY: (RGBColor, &str) = (RGBColor(52, 101, 164), "skinny");
const VENDOR: (RGBColor, &str) = (RGBColor(150, 150, 150), "cuBLAS / cuBLASLt");
const PEER: (RGBColor, &str) = (RGBColor(230, 126, 34), "PyTorch (peer)");

/// Who a variant belongs to, by colour: skinny's own, the vendor library, a peer.
fn colour(row: &VariantRow, best: bool) -> RGBColor {
    let v = row.variant.as_str();
    if best {
        BEST.0
    } else if v.starts_with("cublas") {
        VENDOR.0
    } else if v.starts_with("torch") {
        PEER.0
    } else {
        SKINNY.0
    }
}

/// One shape: a bar of achieved bandwidth per passed variant, fastest on top, each labelled with
/// its time, against the device's read bandwidth.
pub fn shape_bars(shape: &ShapeSummary) -> Result<String, String> {
    let rows: Vec<&VariantRow> = shape
        .rows
        .iter()
        .filter(|r| r.cold_us.is_some() && r.gbps.is_some())
        .collect();
    let n = rows.len().max(1);
    let height = 70 + 24 * n as u32;
    let read = shape.read_gbps.unwrap_or(0.0);
    let top = rows
        .iter()
        .filter_map(|r| r.gbps)
        .fold(read, f64::max)
        .max(1.0)
        * 1.08;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(32)
            .build_cartesian_2d(0f64..top, 0f64..n as f64)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("achieved GB/s (bytes moved / cold time)")
            .draw()
            .map_err(fail)?;
        let y = |i: usize| (n - 1 - i) as f64;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new(
                    [(0.0, y(i) + 0.12), (r.gbps.unwrap_or(0.0), y(i) + 0.88)],
                    colour(r, i == 0).mix(0.85).filled(),
                )
            }))
            .map_err(fail)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let label = format!(
                    "{}  {:.2} µs{}",
                    r.variant,
                    r.cold_us.unwrap_or(f64::NAN),
                    r.pct_roofline
                        .map_or(String::new(), |p| format!("  ({p:.0} %)"))
                );
                Text::new(
                    label,
                    (top * 0.005, y(i) + 0.72),
                    ("sans-serif", 13).into_font().color(&BLACK),
                )
            }))
            .map_err(fail)?;
        if read > 0.0 {
            chart
                .draw_series(LineSeries::new(
                    vec![(read, 0.0), (read, n as f64)],
                    RED.stroke_width(2),
                ))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

fn human_bytes(v: f64) -> String {
    match v {
        v if v >= 1e9 => format!("{:.0} GB", v / 1e9),
        v if v >= 1e6 => format!("{:.0} MB", v / 1e6),
        v if v >= 1e3 => format!("{:.0} kB", v / 1e3),
        v => format!("{v:.0} B"),
    }
}

/// Every passed run as (bytes moved, achieved TB/s), log scale in bytes, with the read ceiling
/// (the highest measured by any file; one device per report is the usual case): small products
/// sit far below it (launch and latency), large ones should touch it.
pub fn roofline(summary: &Summary) -> Result<String, String> {
    let points: Vec<(f64, f64, RGBColor)> = summary
        .shapes
        .iter()
        .flat_map(|s| {
            s.rows.iter().enumerate().filter_map(move |(i, r)| {
                let gbps = r
                    .gbps
                    .filter(|_| r.cold_us.is_some() && s.bytes_moved > 0)?;
                Some((s.bytes_moved as f64, gbps / 1e3, colour(r, i == 0)))
            })
        })
        .collect();
    let read_tbps = summary
        .sources
        .iter()
        .filter_map(|s| s.read_gbps)
        .fold(0.0, f64::max)
        / 1e3;
    let (lo, hi) = points.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    let (lo, hi) = if points.is_empty() {
        (1e3, 1e9)
    } else {
        (lo / 2.0, hi * 2.0)
    };
    let top = points
        .iter()
        .map(|p| p.1)
        .fold(read_tbps, f64::max)
        .max(1e-3)
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..top)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("bytes moved per call")
            .y_desc("achieved TB/s")
            .x_label_formatter(&|v| human_bytes(*v))
            .draw()
            .map_err(fail)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y, c)| Circle::new((x, y), 4, c.mix(0.8).filled())),
            )
            .map_err(fail)?;
        if read_tbps > 0.0 {
            chart
                .draw_series(LineSeries::new(
                    vec![(lo, read_tbps), (hi, read_tbps)],
                    RED.stroke_width(2),
                ))
                .map_err(fail)?
                .label(format!("read bandwidth {read_tbps:.2} TB/s"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperLeft)
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The colours' meaning, for the page's legend: (CSS colour, meaning).
pub fn legend() -> [(String, &'static str); 4] {
    [BEST, SKINNY, VENDOR, PEER]
        .map(|(c, meaning)| (format!("rgb({},{},{})", c.0, c.1, c.2), meaning))
}
