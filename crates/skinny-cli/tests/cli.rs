//! The `skinny` binary end to end: a probe whose JSON is read back and checked, and every kind of
//! bad input giving one clear message, a non-zero exit and no result file.

use std::path::{Path, PathBuf};

use skinny::measure::Figure;
use skinny::probe::Disposition;
use skinny::registry::{BackendKind, Registry};
use skinny::results::ProbeReport;

mod common;
use common::{cpu_probe, skinny, text};

#[test]
fn probe_on_smoke_writes_a_json_file_that_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = skinny(
        &[
            "probe",
            "--shapes",
            "smoke",
            "--json",
            "out.json",
            "--time-cap-ms",
            "5",
        ],
        dir.path(),
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, text(&out.stderr));
    assert!(stdout.contains("fell back to the CPU backend"), "{stdout}");
    assert!(stdout.contains("coverage gaps"), "{stdout}");
    assert!(stdout.contains("results written to out.json"), "{stdout}");

    let report = ProbeReport::read(&dir.path().join("out.json")).unwrap();
    assert_eq!(report.schema, "skinny.probe");
    assert_eq!(report.backend.kind, BackendKind::Cpu);
    assert_eq!(report.shapes.len(), 7);
    let cpu_variants = Registry::embedded()
        .unwrap()
        .variants
        .iter()
        .filter(|v| v.backend == BackendKind::Cpu)
        .count();
    let out = &report.outcome;
    // Every pair is accounted for: a run or a gap.
    assert_eq!(out.runs.len() + out.gaps.len(), 7 * cpu_variants);
    assert!(!out.gaps.is_empty());
    assert!(out
        .gaps
        .iter()
        .all(|g| g.disposition == Disposition::NotSupported && !g.reasons.is_empty()));
    for run in &out.runs {
        assert_eq!(
            run.disposition,
            Disposition::Passed,
            "{}",
            run.shape.label()
        );
        let error = run.error.as_ref().unwrap();
        assert!(error.passed && error.nan_count == 0);
        let cold = &run.timings[&Figure::CpuColdUs];
        assert!(cold.samples >= 3 && cold.samples == cold.values.len());
        assert!(cold.min <= cold.median && cold.median <= cold.max && cold.median > 0.0);
        assert!(run.timings.contains_key(&Figure::CpuHotUs));
        assert!(run.gbps.unwrap() > 0.0 && run.pct_roofline.unwrap() > 0.0);
    }
    let read = out.ceilings.read_bandwidth.as_ref().unwrap();
    assert!(read.gbps > 0.0 && read.buffer_bytes >= 256 << 20);
    assert!(out.ceilings.empty_roundtrip_us.is_some());
    assert!(out.stopped_early.is_none());
}

#[test]
fn verify_only_verifies_every_run_and_times_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = skinny(
        &[
            "probe",
            "--shapes",
            "smoke",
            "--variants",
            "cpu/naive",
            "--verify-only",
            "--strict",
            "--json",
            "out.json",
        ],
        dir.path(),
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, text(&out.stderr));
    assert!(stdout.contains("--verify-only"), "{stdout}");
    let report = ProbeReport::read(&dir.path().join("out.json")).unwrap();
    let out = &report.outcome;
    assert_eq!(out.runs.len(), 7);
    for run in &out.runs {
        assert_eq!(run.disposition, Disposition::Passed);
        assert!(run.error.as_ref().unwrap().passed);
        assert!(run.timings.is_empty());
    }
    assert!(out.ceilings.read_bandwidth.is_none());
    assert!(report.settings.verify_only);
}

/// Run with `args`, expect failure with `status` and every one of `needles` on stderr, and no
/// result file left behind.
fn expect_error(dir: &Path, args: &[&str], status: i32, needles: &[&str]) {
    let json = dir.join("never.json");
    let mut full: Vec<&str> = args.to_vec();
    let json_arg = json.to_str().unwrap().to_string();
    if args[0] == "probe" && !args.contains(&"--json") {
        full.extend(["--json", &json_arg, "--time-cap-ms", "5"]);
    }
    let out = skinny(&full, dir);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: missing '{needle}' in: {stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!json.exists(), "{args:?} left a result file");
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const VARIANT: &str = r#"
[[variant]]
id = "cpu/mine"
backend = "cpu"
kernel = "cpu_naive"
[variant.supports]
layouts = ["nt"]
dtypes = ["bf16"]
m_max = 16
"#;

#[test]
fn bad_registries_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: [(&str, String, &[&str]); 5] = [
        (
            "malformed.toml",
            VARIANT.replace("m_max = 16", "m_max = = 16"),
            &["malformed.toml:9:"],
        ),
        (
            "unknown_field.toml",
            VARIANT.replace("m_max = 16", "m_max = 16\nthreads = 4"),
            &["unknown_field.toml:10:", "unknown field `threads`"],
        ),
        (
            "duplicate.toml",
            format!("{VARIANT}{VARIANT}"),
            &[
                "duplicate.toml:12:",
                "duplicate variant id 'cpu/mine' (first defined at line 3)",
            ],
        ),
        (
            "m_max.toml",
            VARIANT.replace("m_max = 16", "m_max = 0"),
            &["m_max.toml:9:", "m_max = 0 is impossible"],
        ),
        (
            "dtype.toml",
            VARIANT.replace("\"bf16\"", "\"int4\""),
            &["dtype.toml:8:", "int4"],
        ),
    ];
    for (name, contents, needles) in cases {
        let path = write(d, name, &contents);
        expect_error(
            d,
            &["probe", "--registry", path.to_str().unwrap()],
            1,
            needles,
        );
    }
    expect_error(
        d,
        &["list", "variants", "--registry", "nowhere.toml"],
        1,
        &["nowhere.toml: cannot read the file"],
    );
}

#[test]
fn bad_shapes_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect_error(
        d,
        &["probe", "--shape", "1,0,896"],
        1,
        &["--shape '1,0,896': n = 0: every dimension must be at least 1"],
    );
    expect_error(
        d,
        &["probe", "--shape", "1,4294967296,4294967296"],
        1,
        &[
            "x would hold 4294967296 elements",
            "more than the 2147483647 that 32-bit kernel indexing allows",
        ],
    );
    expect_error(
        d,
        &["probe", "--shapes", "gpt-5"],
        1,
        &["unknown shape set 'gpt-5'", "qwen2.5-0.5b"],
    );
    let bad = write(
        d,
        "bad_shapes.toml",
        "name = \"mine\"\n[[shape]]\nname = \"a\"\nn = 8\nk = 0\n",
    );
    expect_error(
        d,
        &["probe", "--shapes", bad.to_str().unwrap()],
        1,
        &["bad_shapes.toml:2:", "shape 'a': k = 0"],
    );
    let malformed = write(d, "malformed_shapes.toml", "name = \"mine\"\n[[shape]\n");
    expect_error(
        d,
        &["probe", "--shapes", malformed.to_str().unwrap()],
        1,
        &["malformed_shapes.toml:2:"],
    );
    let config = write(d, "config.json", r#"{"hidden_size": 64}"#);
    expect_error(
        d,
        &["probe", "--model-config", config.to_str().unwrap()],
        1,
        &["config.json", "missing field `intermediate_size`"],
    );
}

#[test]
fn bad_selections_and_settings_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect_error(
        d,
        &["probe", "--variants", "nosuch/*"],
        1,
        &["--variants 'nosuch/*' matches no variant", "cpu/naive"],
    );
    expect_error(
        d,
        &["probe", "--time-cap-ms", "0", "--json", "x.json"],
        1,
        &["--time-cap-ms 0"],
    );
    expect_error(
        d,
        &["probe", "--spread-target", "2"],
        1,
        &["--spread-target 2"],
    );
    expect_error(
        d,
        &["probe", "--backend", "gpu"],
        2,
        &["invalid value 'gpu'"],
    );
    expect_error(
        d,
        &["probe", "--backend", "cuda", "--shapes", "smoke"],
        1,
        &["--backend cuda:"],
    );
}

#[test]
fn an_unwritable_output_path_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let target = d.join("no_such_dir").join("out.json");
    expect_error(
        d,
        &[
            "probe",
            "--shapes",
            "smoke",
            "--json",
            target.to_str().unwrap(),
        ],
        1,
        &["cannot write results to", "no_such_dir' does not exist"],
    );
    assert!(!target.exists());
    expect_error(
        d,
        &["probe", "--shapes", "smoke", "--json", "."],
        1,
        &["it is a directory"],
    );
}

#[test]
fn list_shows_variants_and_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let out = skinny(&["list", "variants"], dir.path());
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for id in ["cpu/naive", "cpu/rayon", "cpu/gemm-crate"] {
        assert!(stdout.contains(id), "{stdout}");
    }
    // An experiment file's variants are listed beside the embedded ones.
    let extra = write(
        dir.path(),
        "extra.toml",
        "[[variant]]\nid = \"exp/listed\"\nbackend = \"cpu\"\nkernel = \"cpu_naive\"\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"f32\"]\n",
    );
    let out = skinny(
        &[
            "list",
            "variants",
            "--add-registry",
            extra.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("exp/listed") && stdout.contains("cpu/naive"),
        "{stdout}"
    );
    let out = skinny(&["list", "shapes"], dir.path());
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for name in [
        "qwen2.5-0.5b",
        "llama-3-8b",
        "tiny-n",
        "decode-grid",
        "smoke",
        "151936",
        "128256",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    let out = skinny(
        &["list", "shapes", "--shapes", "llama-3-8b@m16"],
        dir.path(),
    );
    assert!(
        text(&out.stdout).contains("┆ 16 ┆"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn tune_decode_and_dispatch_refuse_what_they_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A CPU result file cannot make a dispatch table: it names no CUDA device.
    cpu_probe(d, "cpu.json", &["cpu/rayon"], "2");
    expect_error(
        d,
        &["tune", "--from", "cpu.json", "--out", "never.json"],
        1,
        &["cpu.json", "compute_capability", "not a CUDA device"],
    );
    expect_error(
        d,
        &["tune", "--from", "missing.json", "--out", "never.json"],
        1,
        &["missing.json"],
    );
    // A probe file is not a dispatch table.
    expect_error(
        d,
        &[
            "decode",
            "--model",
            "qwen2.5-0.5b",
            "--table",
            "cpu.json",
            "--json",
            "never.json",
        ],
        1,
        &["cpu.json", "skinny.dispatch"],
    );
    // --measure times plain plans, so it does not take --pdl (whose chain picks it would not
    // time); refused before any device is opened.
    expect_error(
        d,
        &["dispatch", "--shape", "1,896,896", "--pdl", "--measure"],
        2,
        &["--pdl", "--measure"],
    );
    // A chain needs the layer count and the five roles (checked before any device is opened).
    expect_error(
        d,
        &["decode", "--model", "smoke", "--json", "never.json"],
        1,
        &["smoke", "layers"],
    );
    expect_error(d, &["decode", "--json", "never.json"], 1, &["name a model"]);
    expect_error(
        d,
        &[
            "decode",
            "--model",
            "qwen2.5-0.5b",
            "--registry",
            "missing-registry.toml",
            "--json",
            "never.json",
        ],
        1,
        &["missing-registry.toml"],
    );
    expect_error(
        d,
        &[
            "decode",
            "--model",
            "qwen2.5-0.5b",
            "--m",
            "0",
            "--json",
            "never.json",
        ],
        1,
        &["--m 0"],
    );
}

#[test]
fn compare_flags_a_planted_slowdown_and_is_quiet_on_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cpu_probe(d, "base.json", &["cpu/rayon"], "3");
    // The same file twice: nothing beyond the spread.
    let out = skinny(&["compare", "base.json", "base.json"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 changed beyond both runs' spread"),
        "{}",
        text(&out.stdout)
    );

    // Plant a 20 % slowdown in one run's cold figure. The CPU's own samples spread 5-20 % on a
    // shared VM, so the run's samples are first replaced by a tight set (in both files), as a
    // GPU run's are: the check is then about the comparison, not this machine's noise.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("base.json")).unwrap()).unwrap();
    let set_samples = |doc: &mut serde_json::Value, scale: f64| {
        let samples: Vec<f64> = [10.0, 10.05, 9.95, 10.02, 9.98, 10.01, 9.99]
            .iter()
            .map(|v| v * scale)
            .collect();
        doc["runs"][0]["timings"]["cpu_cold_us"] =
            serde_json::to_value(skinny::measure::Stats::from_samples(samples, false)).unwrap();
    };
    let variant = doc["runs"][0]["variant"].as_str().unwrap().to_string();
    set_samples(&mut doc, 1.0);
    std::fs::write(d.join("base.json"), doc.to_string()).unwrap();
    set_samples(&mut doc, 1.2);
    std::fs::write(d.join("slow.json"), doc.to_string()).unwrap();
    let out = skinny(&["compare", "base.json", "slow.json"], d);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("REGRESSION") && stdout.contains(&variant),
        "{stdout}"
    );
    assert!(stdout.contains("1.200"), "{stdout}");
    assert!(stdout.contains("past 5.0 %"), "{stdout}");
    assert!(
        text(&out.stderr).contains("1 regressions"),
        "{}",
        text(&out.stderr)
    );

    // Bad input: a missing file, a bad threshold.
    expect_error(
        d,
        &["compare", "base.json", "missing.json"],
        1,
        &["missing.json"],
    );
    expect_error(
        d,
        &["compare", "base.json", "base.json", "--threshold", "20"],
        1,
        &["--threshold"],
    );
}

#[cfg(unix)]
#[test]
fn output_into_a_closed_pipe_ends_quietly_without_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_skinny"))
        .args(["list", "variants"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the first line is written (`skinny list variants | true`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Ended by SIGPIPE (13 on Linux, macOS and the BSDs), as `cat` would be.
    assert_eq!(out.status.signal(), Some(13), "{:?}", out.status);
}
