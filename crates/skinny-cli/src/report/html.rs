//! The report as one self-contained HTML page: inline CSS, inline SVG, no network fetches.
//!
//! The page records its own health for the browser test: script errors are counted into
//! `data-errors` on the root element, and when the page has run `data-ready` holds the number of
//! shape sections.

use super::charts;
use super::model::Summary;
use super::tables::{self, TableData};

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn table(out: &mut String, t: &TableData) {
    if t.rows.is_empty() {
        out.push_str("<p class=\"none\">(none)</p>\n");
        return;
    }
    out.push_str("<table><thead><tr>");
    for h in &t.header {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            out.push_str(&format!("<td>{}</td>", esc(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 14px; }
section.shape { margin-bottom: 2em; } .none { color: #777; }
nav a { margin-right: 1em; }
";

pub fn render(s: &Summary) -> Result<String, String> {
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    out.push_str("<title>skinny report</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n<script>\nwindow.addEventListener('error', function () {\n  var root = document.documentElement;\n  root.dataset.errors = String(Number(root.dataset.errors || 0) + 1);\n});\n</script>\n</head><body>\n");
    out.push_str("<h1>skinny report</h1>\n<p>Decode-shaped matrix products, every variant verified against a float64 reference before it was timed. Cold times read the weights from HBM.</p>\n");
    out.push_str("<nav><a href=\"#devices\">devices</a><a href=\"#best\">best per shape</a><a href=\"#roofline\">roofline</a>");
    if !s.decode.is_empty() {
        out.push_str("<a href=\"#decode\">decode chain</a>");
    }
    if !s.dispatch.is_empty() {
        out.push_str("<a href=\"#dispatch\">dispatch</a>");
    }
    out.push_str("<a href=\"#shapes\">shapes</a><a href=\"#gaps\">coverage gaps</a></nav>\n");

    out.push_str("<h2 id=\"devices\">Devices and measured ceilings</h2>\n");
    table(&mut out, &tables::devices(s));
    out.push_str("<h2 id=\"best\">Best variant per shape</h2>\n");
    table(&mut out, &tables::best(s));
    out.push_str("<h2 id=\"roofline\">Roofline</h2>\n<p>Every passed run: achieved bandwidth against the bytes one call moves; the red line is the read bandwidth measured in the same run.</p>\n<div class=\"legend\">");
    for (colour, meaning) in charts::legend() {
        out.push_str(&format!(
            "<span style=\"background:{colour}\"></span>{}",
            esc(meaning)
        ));
    }
    out.push_str("</div>\n");
    out.push_str(&charts::roofline(s)?);
    if !s.decode.is_empty() {
        out.push_str("<h2 id=\"decode\">Decode chain (one token)</h2>\n");
        table(&mut out, &tables::decode(s));
    }
    if !s.dispatch.is_empty() {
        out.push_str("<h2 id=\"dispatch\">Dispatch against the vendor baseline</h2>\n");
        table(&mut out, &tables::dispatch(s));
    }
    out.push_str("<h2 id=\"shapes\">Per shape</h2>\n<p>Bars: achieved bandwidth of each passed variant, fastest on top, labelled with its cold time; red: the read bandwidth. The table puts the five timing figures side by side, so the host's share (round trip and submit against GPU time) is visible.</p>\n");
    for (i, shape) in s.shapes.iter().enumerate() {
        out.push_str(&format!(
            "<section class=\"shape\" id=\"shape-{i}\" data-shape=\"{}\">\n<h3>{}</h3>\n",
            esc(&shape.label),
            esc(&shape.label)
        ));
        out.push_str(&charts::shape_bars(shape)?);
        table(&mut out, &tables::figures(s, i));
        out.push_str("</section>\n");
    }
    out.push_str(
        "<h2 id=\"gaps\">Coverage gaps</h2>\n<p>Pairs the plan did not run, and why.</p>\n",
    );
    table(&mut out, &tables::gaps(s));
    out.push_str("<script>\ndocument.documentElement.dataset.ready = String(document.querySelectorAll('section.shape').length);\n</script>\n</body></html>\n");
    Ok(out)
}
