//! What the CLI's integration tests share: running the binary, and a short CPU probe.

// Each test crate uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Run the `skinny` binary with `args` in `dir`.
pub fn skinny(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skinny"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the skinny binary runs")
}

/// Run the `skinny` binary, which must succeed.
pub fn skinny_ok(args: &[&str], dir: &Path) -> Output {
    let out = skinny(args, dir);
    assert!(
        out.status.success(),
        "skinny {args:?}: {}",
        text(&out.stderr)
    );
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A short CPU probe of the smoke set with `variants` into `json`; it must succeed.
pub fn cpu_probe(dir: &Path, json: &str, variants: &[&str], time_cap_ms: &str) {
    let mut args = vec![
        "probe",
        "--backend",
        "cpu",
        "--shapes",
        "smoke",
        "--variants",
    ];
    args.extend_from_slice(variants);
    args.extend_from_slice(&["--json", json, "--time-cap-ms", time_cap_ms]);
    skinny_ok(&args, dir);
}
