//! The report as Markdown (GitHub tables), for pull requests.

use super::model::Summary;
use super::tables::{self, TableData};

/// A table cell: pipes escaped, HTML-significant characters as entities (GitHub would take
/// `Vec<f32>` for a tag), line breaks as spaces.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn table(out: &mut String, t: &TableData) {
    if t.rows.is_empty() {
        out.push_str("(none)\n\n");
        return;
    }
    let line = |cells: &[String]| {
        format!(
            "| {} |\n",
            cells
                .iter()
                .map(|c| cell(c))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    out.push_str(&line(&t.header));
    out.push_str(&format!("|{}\n", " --- |".repeat(t.header.len())));
    for row in &t.rows {
        out.push_str(&line(row));
    }
    out.push('\n');
}

pub fn render(s: &Summary) -> String {
    let mut out = String::from("# skinny report\n\n## Devices and ceilings\n\n");
    table(&mut out, &tables::devices(s));
    out.push_str("## Best variant per shape (cold: weights from HBM)\n\n");
    table(&mut out, &tables::best(s));
    if !s.decode.is_empty() {
        out.push_str("## Decode chain\n\n");
        table(&mut out, &tables::decode(s));
    }
    if !s.dispatch.is_empty() {
        out.push_str("## Dispatch against the vendor baseline\n\n");
        table(&mut out, &tables::dispatch(s));
    }
    out.push_str("## Timing figures per shape (medians, µs)\n\n");
    for (i, shape) in s.shapes.iter().enumerate() {
        out.push_str(&format!("### {}\n\n", cell(&shape.label)));
        table(&mut out, &tables::figures(s, i));
    }
    out.push_str("## Coverage gaps\n\n");
    table(&mut out, &tables::gaps(s));
    out
}
