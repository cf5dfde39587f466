//! The probe's result file: a versioned JSON document holding the environment, the ceilings,
//! every run with every statistic, and every gap. Written atomically: to a temporary file in the
//! target folder, then renamed, so a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backend::{BackendSelection, DeviceInfo};
use crate::host::HostInfo;
use crate::probe::{ProbeOutcome, ProbeSettings};
use crate::shapes::Shape;

pub const SCHEMA: &str = "skinny.probe";
/// Bumped whenever a field changes meaning or is removed; readers refuse other versions.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub host: HostInfo,
    pub device: DeviceInfo,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub schema: String,
    pub schema_version: u32,
    pub skinny_version: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub command_line: Vec<String>,
    pub backend: BackendSelection,
    pub environment: Environment,
    pub settings: ProbeSettings,
    pub registry: String,
    /// Digest of the kernel sources and the registry's variants (`dispatch::sources_digest`):
    /// a dispatch table built from this file is valid only where the digest matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources_digest: Option<String>,
    pub shapes: Vec<Shape>,
    #[serde(flatten)]
    pub outcome: ProbeOutcome,
    /// `skinny decode`: the whole decode step's chain in each mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decode: Vec<crate::decode::DecodeOutcome>,
    /// `skinny decode`: the models it could not finish, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decode_failures: Vec<crate::decode::DecodeFailure>,
    /// `skinny dispatch --measure`: what dispatch chose per shape, against cuBLAS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch: Option<Vec<crate::dispatch::DispatchCheck>>,
}

impl ProbeReport {
    pub fn new(
        backend: BackendSelection,
        environment: Environment,
        settings: ProbeSettings,
        registry: String,
        shapes: Vec<Shape>,
        outcome: ProbeOutcome,
    ) -> ProbeReport {
        ProbeReport {
            schema: SCHEMA.into(),
            schema_version: SCHEMA_VERSION,
            skinny_version: env!("CARGO_PKG_VERSION").into(),
            created: crate::json::now_rfc3339(),
            command_line: std::env::args().collect(),
            backend,
            environment,
            settings,
            registry,
            sources_digest: None,
            shapes,
            outcome,
            decode: Vec::new(),
            decode_failures: Vec::new(),
            dispatch: None,
        }
    }

    /// Read a result file, plain or gzipped (`.gz`, as committed result files are).
    pub fn read(path: &Path) -> Result<ProbeReport, String> {
        let text = read_text(path)?;
        crate::json::check_header(&text, "result file", SCHEMA, SCHEMA_VERSION)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Several result files, each named by `name` of its path (the path as given, for a table's
/// sources; the file name, for a report's pages).
pub fn read_reports(
    paths: &[PathBuf],
    name: impl Fn(&Path) -> String,
) -> Result<Vec<(String, ProbeReport)>, String> {
    paths
        .iter()
        .map(|p| Ok((name(p), ProbeReport::read(p)?)))
        .collect()
}

/// A file's text; a `.gz` name is decompressed.
pub fn read_text(path: &Path) -> Result<String, String> {
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    if path.extension().is_some_and(|e| e == "gz") {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(fail)?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .map_err(fail)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(fail)
    }
}

/// The folder a file will be written into ("." for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Check before any work that `path` can be written, so that a long probe does not end in an
/// error. Creates (and removes) a temporary file beside it.
pub fn check_writable(path: &Path) -> Result<(), String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!(
            "cannot write results to '{shown}': it is a directory"
        ));
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(format!(
            "cannot write results to '{shown}': directory '{}' does not exist",
            dir.display()
        ));
    }
    tempfile::NamedTempFile::new_in(&dir)
        .map(drop)
        .map_err(|e| format!("cannot write results to '{shown}': {e}"))
}

/// Serialize `value` as compact JSON to `path`, atomically (compact: raw samples make pretty
/// JSON several times larger, and result files are committed).
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    write_atomic(path, |file| {
        serde_json::to_writer(&mut *file, value).map_err(|e| e.to_string())?;
        file.write_all(b"\n").map_err(|e| e.to_string())
    })
}

/// Write `text` to `path`, atomically (what `skinny report` writes its pages with).
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), String> {
    write_atomic(path, |file| {
        file.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })
}

/// Write through `fill` to a temporary file beside `path`, readable by all, synced, then renamed
/// over `path`: a reader never sees half a file, and a failure leaves nothing behind.
fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
) -> Result<(), String> {
    let shown = path.display();
    let fail = |e: &dyn std::fmt::Display| format!("cannot write results to '{shown}': {e}");
    let mut file = tempfile::NamedTempFile::new_in(parent_dir(path)).map_err(|e| fail(&e))?;
    fill(file.as_file_mut()).map_err(|e| fail(&e))?;
    // A temporary file is created readable by its owner only; a result file is for everyone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let readable = std::fs::Permissions::from_mode(0o644);
        file.as_file()
            .set_permissions(readable)
            .map_err(|e| fail(&e))?;
    }
    file.as_file().sync_all().map_err(|e| fail(&e))?;
    file.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_refuses_missing_directories_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing").join("out.json");
        let err = check_writable(&target).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        assert!(write_json_atomic(&target, &1).is_err());
        assert!(!target.exists());
        let err = check_writable(dir.path()).unwrap_err();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn atomic_write_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        write_json_atomic(&target, &vec![1, 2, 3]).unwrap();
        write_json_atomic(&target, &vec![4]).unwrap();
        let back: Vec<i32> =
            serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
        assert_eq!(back, [4]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        // No temporary files left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
