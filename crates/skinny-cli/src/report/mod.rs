//! `skinny report`: result files in, one self-contained HTML page and a Markdown page out.

mod charts;
mod html;
mod markdown;
pub mod model;
mod tables;

use anyhow::{anyhow, bail, Result};
use skinny::results::{check_writable, ProbeReport};

use crate::ReportArgs;
use model::Summary;

/// Write `text` atomically (temporary file, then rename), like the result files.
fn write_atomic(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    // A temporary file is created readable by its owner only; a report is for everyone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.as_file().sync_all()?;
    file.persist(path)
        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

pub fn run(args: &ReportArgs) -> Result<()> {
    if args.html.is_none() && args.markdown.is_none() {
        bail!("nothing to write: give --html OUT.html and/or --markdown OUT.md");
    }
    for path in args.html.iter().chain(&args.markdown) {
        check_writable(path).map_err(|e| anyhow!(e))?;
    }
    let files: Vec<(String, ProbeReport)> = args
        .results
        .iter()
        .map(|p| {
            let name = p.file_name().map_or(p.display().to_string(), |n| {
                n.to_string_lossy().into_owned()
            });
            Ok((name, ProbeReport::read(p).map_err(|e| anyhow!(e))?))
        })
        .collect::<Result<_>>()?;
    let summary = Summary::gather(&files);
    if let Some(path) = &args.html {
        let page = html::render(&summary).map_err(|e| anyhow!(e))?;
        write_atomic(path, &page)?;
        println!(
            "report: {} ({} shapes, {} result files)",
            path.display(),
            summary.shapes.len(),
            files.len()
        );
    }
    if let Some(path) = &args.markdown {
        write_atomic(path, &markdown::render(&summary))?;
        println!("report: {}", path.display());
    }
    Ok(())
}
