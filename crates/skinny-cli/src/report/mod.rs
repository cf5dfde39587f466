//! `skinny report`: result files in, one self-contained HTML page and a Markdown page out.

mod charts;
mod html;
mod markdown;
pub mod model;
mod tables;

use anyhow::{anyhow, bail, Result};
use skinny::results::{check_writable, read_reports, write_text_atomic};

use crate::ReportArgs;
use model::Summary;

pub fn run(args: &ReportArgs) -> Result<()> {
    if args.html.is_none() && args.markdown.is_none() {
        bail!("nothing to write: give --html OUT.html and/or --markdown OUT.md");
    }
    for path in args.html.iter().chain(&args.markdown) {
        check_writable(path).map_err(|e| anyhow!(e))?;
    }
    // Pages name each source by its file name (the paths are the reader's business).
    let file_name = |p: &std::path::Path| {
        p.file_name().map_or(p.display().to_string(), |n| {
            n.to_string_lossy().into_owned()
        })
    };
    let files = read_reports(&args.results, file_name).map_err(|e| anyhow!(e))?;
    let summary = Summary::gather(&files);
    if let Some(path) = &args.html {
        let page = html::render(&summary).map_err(|e| anyhow!(e))?;
        write_text_atomic(path, &page).map_err(|e| anyhow!(e))?;
        println!(
            "report: {} ({} shapes, {} result files)",
            path.display(),
            summary.shapes.len(),
            files.len()
        );
    }
    if let Some(path) = &args.markdown {
        write_text_atomic(path, &markdown::render(&summary)).map_err(|e| anyhow!(e))?;
        println!("report: {}", path.display());
    }
    Ok(())
}
