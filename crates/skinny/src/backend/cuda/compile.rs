//! Run-time compilation of the CUDA kernels with NVRTC, to cubin for the device's own
//! architecture, with the resource report (registers, shared and local memory, spills) that
//! ptxas prints, and an on-disk cache.
//!
//! None of this needs a GPU: only libnvrtc. `skinny kernels` and the CI compile check use it on
//! machines without one.

use std::ffi::{c_char, CString};
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use cudarc::nvrtc::{result as nvrtc, sys as nvrtc_sys};

/// Prepended to every kernel source: element types and conversions, reductions.
const COMMON: &str = include_str!("../../../kernels/common.cuh");

/// The kernel files, by the name the catalogue uses.
const FILES: &[(&str, &str)] = &[
    ("gemv.cu", include_str!("../../../kernels/gemv.cu")),
    ("mma.cu", include_str!("../../../kernels/mma.cu")),
    ("mma_ring.cu", include_str!("../../../kernels/mma_ring.cu")),
    ("wgmma.cu", include_str!("../../../kernels/wgmma.cu")),
    ("tiled.cu", include_str!("../../../kernels/tiled.cu")),
    ("smalln.cu", include_str!("../../../kernels/smalln.cu")),
    ("gemv_nn.cu", include_str!("../../../kernels/gemv_nn.cu")),
    ("bulk.cu", include_str!("../../../kernels/bulk.cu")),
    (
        "persistent.cu",
        include_str!("../../../kernels/persistent.cu"),
    ),
    ("aux.cu", include_str!("../../../kernels/aux.cu")),
];

/// Every kernel source the backend compiles, by file name, the shared header first: what a
/// dispatch table's sources digest covers.
pub fn kernel_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    std::iter::once(("common.cuh", COMMON)).chain(FILES.iter().copied())
}

pub fn source_text(file: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, t)| *t)
}

/// Why NVRTC cannot be used here, or `None` when it can.
pub fn nvrtc_unavailable() -> Option<String> {
    // SAFETY: only probes whether the shared library can be opened.
    if unsafe { nvrtc_sys::is_culib_present() } {
        None
    } else {
        Some(
            "libnvrtc (CUDA 13) was not found by the loader: install the CUDA toolkit or \
             `pip install nvidia-cuda-nvrtc==13.0.*` and put its nvidia/cu13/lib on \
             LD_LIBRARY_PATH"
                .into(),
        )
    }
}

pub fn nvrtc_version() -> Result<(i32, i32), String> {
    let (mut major, mut minor) = (0, 0);
    // SAFETY: two valid out-pointers.
    unsafe { nvrtc_sys::nvrtcVersion(&mut major, &mut minor) }
        .result()
        .map_err(|e| format!("nvrtcVersion: {e:?}"))?;
    Ok((major, minor))
}

/// What ptxas reported for one kernel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    pub function: String,
    pub registers: u32,
    pub shared_bytes: u32,
    /// Per-thread stack frame: local memory the kernel uses on purpose or through spills.
    pub stack_frame_bytes: u32,
    pub spill_store_bytes: u32,
    pub spill_load_bytes: u32,
}

impl Resources {
    pub fn spills(&self) -> bool {
        self.spill_store_bytes > 0 || self.spill_load_bytes > 0
    }
}

/// Read ptxas's `-v` report out of an NVRTC program log.
pub fn parse_ptxas_report(log: &str) -> Vec<Resources> {
    let mut out: Vec<Resources> = Vec::new();
    let number_before = |line: &str, unit: &str| -> Option<u32> {
        let at = line.find(unit)?;
        line[..at].split_whitespace().last()?.parse().ok()
    };
    for line in log.lines() {
        let quoted = line.split('\'').nth(1);
        if line.contains("Compiling entry function") || line.contains("Function properties for") {
            let name = quoted
                .map(str::to_string)
                .or_else(|| line.split_whitespace().last().map(str::to_string))
                .unwrap_or_default();
            if out.last().map(|r| r.function != name).unwrap_or(true) {
                out.push(Resources {
                    function: name,
                    ..Resources::default()
                });
            }
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        if line.contains("bytes stack frame") {
            current.stack_frame_bytes = number_before(line, "bytes stack frame").unwrap_or(0);
            current.spill_store_bytes = number_before(line, "bytes spill stores").unwrap_or(0);
            current.spill_load_bytes = number_before(line, "bytes spill loads").unwrap_or(0);
        }
        if line.contains("Used") && line.contains("registers") {
            current.registers = number_before(line, "registers").unwrap_or(0);
            current.shared_bytes = number_before(line, "bytes smem").unwrap_or(0);
        }
    }
    out
}

/// One compilation: a kernel file, the defines that specialise it, the target architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileRequest {
    pub file: String,
    pub defines: Vec<(String, String)>,
    /// `sm_90` and the like: a real architecture, so NVRTC produces a cubin.
    pub arch: String,
}

impl CompileRequest {
    fn options(&self) -> Vec<String> {
        let mut options = vec![
            format!("--gpu-architecture={}", self.arch),
            "--std=c++17".to_string(),
            "--ptxas-options=-v".to_string(),
            "-lineinfo".to_string(),
        ];
        for (name, value) in &self.defines {
            options.push(format!("-D{name}={value}"));
        }
        options
    }

    fn full_source(&self) -> Result<String, String> {
        let body = source_text(&self.file)
            .ok_or_else(|| format!("no kernel file '{}' is built in", self.file))?;
        Ok(format!("{COMMON}\n#line 1 \"{}\"\n{body}", self.file))
    }
}

#[derive(Clone, Debug)]
pub struct Compiled {
    pub cubin: Vec<u8>,
    pub log: String,
    pub resources: Vec<Resources>,
    pub from_cache: bool,
}

/// Where compiled modules are kept: `$SKINNY_KERNEL_CACHE`, else the user's cache folder.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SKINNY_KERNEL_CACHE") {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("skinny")
        .join("kernels")
}

const MAGIC: &[u8; 12] = b"skinny-cubin";

/// A cache entry: magic, SHA-256 of the payload, then the payload (log length, log, cubin). A
/// file that does not verify is treated as absent and rewritten.
fn encode_entry(log: &str, cubin: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(4 + log.len() + cubin.len());
    payload.extend_from_slice(&(log.len() as u32).to_le_bytes());
    payload.extend_from_slice(log.as_bytes());
    payload.extend_from_slice(cubin);
    let mut entry = MAGIC.to_vec();
    entry.extend_from_slice(&Sha256::digest(&payload));
    entry.extend_from_slice(&payload);
    entry
}

fn decode_entry(bytes: &[u8]) -> Option<(String, Vec<u8>)> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < 32 + 4 {
        return None;
    }
    let (digest, payload) = rest.split_at(32);
    if Sha256::digest(payload).as_slice() != digest {
        return None;
    }
    let log_len = u32::from_le_bytes(payload[..4].try_into().ok()?) as usize;
    let log = payload.get(4..4 + log_len)?;
    let cubin = payload.get(4 + log_len..)?;
    if cubin.is_empty() {
        return None;
    }
    Some((String::from_utf8_lossy(log).into_owned(), cubin.to_vec()))
}

fn cache_key(source: &str, options: &[String], version: (i32, i32)) -> String {
    let mut h = Sha256::new();
    h.update(format!("nvrtc {}.{}\0", version.0, version.1));
    for o in options {
        h.update(o.as_bytes());
        h.update([0u8]);
    }
    h.update(source.as_bytes());
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Compile with NVRTC, without the cache.
fn compile_uncached(
    source: &str,
    name: &str,
    options: &[String],
) -> Result<(String, Vec<u8>), String> {
    let src = CString::new(source).map_err(|_| "kernel source contains a NUL byte".to_string())?;
    let name =
        CString::new(name).map_err(|_| "kernel file name contains a NUL byte".to_string())?;
    let prog = nvrtc::create_program(&src, Some(&name))
        .map_err(|e| format!("nvrtcCreateProgram: {e:?}"))?;
    // SAFETY: `prog` was just created and is destroyed exactly once below; `src` and `name`
    // outlive it.
    unsafe {
        let compiled = nvrtc::compile_program(prog, options);
        let log = nvrtc::get_program_log(prog)
            .map(|l| c_chars_to_string(&l))
            .unwrap_or_default();
        let result = match compiled {
            Err(e) => Err(format!("NVRTC failed ({e:?}):\n{log}")),
            Ok(()) => {
                let mut size = 0usize;
                let cubin = nvrtc_sys::nvrtcGetCUBINSize(prog, &mut size)
                    .result()
                    .and_then(|()| {
                        let mut cubin = vec![0u8; size];
                        nvrtc_sys::nvrtcGetCUBIN(prog, cubin.as_mut_ptr() as *mut c_char)
                            .result()
                            .map(|()| cubin)
                    })
                    .map_err(|e| format!("nvrtcGetCUBIN: {e:?}"));
                cubin.map(|c| (log, c))
            }
        };
        let _ = nvrtc::destroy_program(prog);
        result
    }
}

/// Compile `request`, from the cache when an entry for the same source, options, NVRTC version
/// and architecture verifies.
pub fn compile(request: &CompileRequest) -> Result<Compiled, String> {
    if let Some(why) = nvrtc_unavailable() {
        return Err(why);
    }
    let source = request.full_source()?;
    let options = request.options();
    let version = nvrtc_version()?;
    let dir = cache_dir();
    let path = dir.join(format!("{}.cubin", cache_key(&source, &options, version)));
    if let Some((log, cubin)) = fs::read(&path).ok().and_then(|b| decode_entry(&b)) {
        return Ok(Compiled {
            resources: parse_ptxas_report(&log),
            cubin,
            log,
            from_cache: true,
        });
    }
    let (log, cubin) = compile_uncached(&source, &request.file, &options)?;
    // A cache that cannot be written only costs a recompile next time.
    if fs::create_dir_all(&dir).is_ok() {
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&dir) {
            if tmp.write_all(&encode_entry(&log, &cubin)).is_ok() {
                let _ = tmp.persist(&path);
            }
        }
    }
    Ok(Compiled {
        resources: parse_ptxas_report(&log),
        cubin,
        log,
        from_cache: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'gemv_baseline' for 'sm_90'
ptxas info    : Function properties for gemv_baseline
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 28 registers, used 0 barriers, 380 bytes cmem[0]
ptxas info    : Compiling entry function 'spilly' for 'sm_90'
ptxas info    : Function properties for spilly
    48 bytes stack frame, 24 bytes spill stores, 16 bytes spill loads
ptxas info    : Used 255 registers, used 1 barriers, 4096 bytes smem, 380 bytes cmem[0]
";

    #[test]
    fn ptxas_reports_parse_per_function() {
        let r = parse_ptxas_report(LOG);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0],
            Resources {
                function: "gemv_baseline".into(),
                registers: 28,
                ..Resources::default()
            }
        );
        assert!(!r[0].spills());
        assert_eq!(
            (r[1].registers, r[1].shared_bytes, r[1].stack_frame_bytes),
            (255, 4096, 48)
        );
        assert_eq!((r[1].spill_store_bytes, r[1].spill_load_bytes), (24, 16));
        assert!(r[1].spills());
    }

    #[test]
    fn cache_entries_verify_and_reject_corruption() {
        let entry = encode_entry("log text", &[1, 2, 3, 4]);
        assert_eq!(
            decode_entry(&entry),
            Some(("log text".into(), vec![1, 2, 3, 4]))
        );
        let mut flipped = entry.clone();
        *flipped.last_mut().unwrap() ^= 0xff;
        assert_eq!(decode_entry(&flipped), None);
        assert_eq!(decode_entry(&entry[..entry.len() - 1]), None);
        assert_eq!(decode_entry(b"garbage"), None);
    }

    #[test]
    fn cache_keys_depend_on_everything() {
        let base = cache_key("src", &["-DA=1".into()], (13, 0));
        assert_ne!(base, cache_key("src2", &["-DA=1".into()], (13, 0)));
        assert_ne!(base, cache_key("src", &["-DA=2".into()], (13, 0)));
        assert_ne!(base, cache_key("src", &["-DA=1".into()], (13, 1)));
    }
}
