//! `skinny report` in a real browser: the page loads in headless Chromium without a script
//! error and shows a section for every shape of the result file; and the check itself catches a
//! script error planted in the page.
//!
//! Needs Chromium (`/usr/bin/chromium`, or `SKINNY_CHROMIUM`). Without it the test says so and
//! passes, unless `SKINNY_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use skinny::results::ProbeReport;

mod common;
use common::{cpu_probe, skinny_ok};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("SKINNY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.exists() {
        return Some(path);
    }
    if std::env::var("SKINNY_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!(
            "SKINNY_REQUIRE_CHROMIUM=1 but there is no Chromium at {}",
            path.display()
        );
    }
    eprintln!(
        "skipped: no Chromium at {} (set SKINNY_CHROMIUM)",
        path.display()
    );
    None
}

/// The page's DOM after its scripts ran, as headless Chromium serialises it.
fn rendered_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("Chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `data-...` attribute of the root element, if set.
fn root_attribute(dom: &str, name: &str) -> Option<String> {
    let html = &dom[dom.find("<html")?..];
    let head = &html[..html.find('>').unwrap_or(html.len())];
    let key = format!("{name}=\"");
    let start = head.find(&key)? + key.len();
    Some(head[start..].split('"').next()?.to_string())
}

#[test]
fn the_report_loads_in_chromium_and_shows_every_shape() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cpu_probe(d, "probe.json", &["cpu/rayon", "cpu/naive"], "2");
    skinny_ok(
        &[
            "report",
            "probe.json",
            "--html",
            "report.html",
            "--markdown",
            "report.md",
        ],
        d,
    );
    let report = ProbeReport::read(&d.join("probe.json")).unwrap();
    let labels: Vec<String> = report.shapes.iter().map(|s| s.label()).collect();
    assert!(!labels.is_empty());

    let dom = rendered_dom(&browser, &d.join("report.html"), &d.join("profile"));
    assert_eq!(
        root_attribute(&dom, "data-errors"),
        None,
        "script errors in the page"
    );
    assert_eq!(
        root_attribute(&dom, "data-ready").as_deref(),
        Some(labels.len().to_string().as_str()),
        "the page's script did not run to the end, or shows another number of shapes"
    );
    let markdown = std::fs::read_to_string(d.join("report.md")).unwrap();
    for label in &labels {
        assert!(
            dom.contains(&format!("data-shape=\"{label}\"")),
            "no section for {label}"
        );
        assert!(
            markdown.contains(label.as_str()),
            "{label} missing from the Markdown"
        );
    }
    assert!(dom.contains("<svg"), "no chart");
    // No fetches: nothing in the page points off the file.
    let page = std::fs::read_to_string(d.join("report.html")).unwrap();
    for needle in ["http://", "https://", "src=\"//"] {
        assert!(
            !page
                .replace("http://www.w3.org/2000/svg", "")
                .contains(needle),
            "the page refers to {needle}"
        );
    }

    // The check can fail: a planted script error is seen.
    let broken = page.replace(
        "</body>",
        "<script>undefinedFunctionCalledOnPurpose();</script></body>",
    );
    std::fs::write(d.join("broken.html"), broken).unwrap();
    let dom = rendered_dom(&browser, &d.join("broken.html"), &d.join("profile2"));
    assert_eq!(root_attribute(&dom, "data-errors").as_deref(), Some("1"));
}
