//! Which compilations a variant needs: its kernel file specialised by dtype and parameters, and
//! the backend's helper kernels.

use super::compile::CompileRequest;
use crate::kernels::{family, KernelSource, Launch};
use crate::problem::Dtype;
use crate::registry::{ParamValue, Variant};

/// The file of helper kernels (ceilings, spin, bias add).
pub const AUX_FILE: &str = "aux.cu";

fn dtype_define(dtype: Dtype) -> (String, String) {
    let name = match dtype {
        Dtype::Bf16 => "SKINNY_BF16",
        Dtype::F16 => "SKINNY_F16",
        Dtype::F32 => "SKINNY_F32",
    };
    (name.to_string(), "1".to_string())
}

/// The architecture NVRTC compiles a family for on a GPU of `arch`, or `None` where the family
/// cannot run there: wgmma (the tensor-map family) is an sm_90a instruction, so that family
/// compiles for the architecture-specific target, on sm_90 only.
fn target_arch(launch: Launch, arch: &str) -> Option<&str> {
    match (launch, arch) {
        (Launch::TensorMapTiles, "sm_90") => Some("sm_90a"),
        (Launch::TensorMapTiles, _) => None,
        _ => Some(arch),
    }
}

/// Why `variant` cannot be built for a GPU of `arch`, if it cannot.
pub fn unbuildable_on(variant: &Variant, arch: &str) -> Option<String> {
    let source = family(variant.backend, &variant.kernel)?.source?;
    target_arch(source.launch, arch).is_none().then(|| {
        format!(
            "{}: {} runs on sm_90 GPUs only (wgmma is an sm_90a instruction); this one is {arch}",
            variant.id, variant.kernel
        )
    })
}

/// The compilation a variant needs at `dtype`, or `None` for vendor-library variants and those
/// the architecture cannot build (`unbuildable_on` says why). `pdl`
/// compiles in the programmatic-dependent-launch wait (`SKINNY_PDL`), for plans launched with it.
pub fn variant_request(
    variant: &Variant,
    dtype: Dtype,
    arch: &str,
    pdl: bool,
) -> Option<(CompileRequest, KernelSource)> {
    let source = family(variant.backend, &variant.kernel)?.source?;
    let arch = target_arch(source.launch, arch)?;
    let mut defines = vec![dtype_define(dtype)];
    if pdl {
        defines.push(("SKINNY_PDL".to_string(), "1".to_string()));
    }
    for (name, value) in &variant.params {
        let value = match value {
            ParamValue::Int(v) => v.to_string(),
            ParamValue::Bool(b) => (*b as i32).to_string(),
        };
        defines.push((name.clone(), value));
    }
    Some((
        CompileRequest {
            file: source.file.to_string(),
            defines,
            arch: arch.to_string(),
        },
        source,
    ))
}

/// The file of `skinny decode`'s persistent chain kernel.
pub const PERSISTENT_FILE: &str = "persistent.cu";
/// Its entry.
pub const PERSISTENT_ENTRY: &str = "chain_stream";

/// Consumer warps in a block of the persistent chain kernel (its CONSUMER_WARPS), shared out
/// between the ring's stages; one producer warp comes on top (16 warps: 128 registers a thread
/// are allowed, where 17 warps left ptxas 96 and it spilled).
pub const PERSISTENT_CONSUMER_WARPS: u32 = 15;
/// Most ring stages the kernel has mbarriers for (its MAX_STAGES).
pub const PERSISTENT_MAX_STAGES: u32 = 8;
/// Bytes of one ring stage: whole rows, so a row of the chain must fit (k ≤ 16384 at 16 bits).
pub const PERSISTENT_STAGE_BYTES: u32 = 32 * 1024;

/// How long the persistent kernel lets one wait run before it traps, by default (a misuse then
/// fails instead of hanging).
pub const PERSISTENT_WAIT_GUARD_S: u64 = 1;
/// The environment variable that lengthens the guard, in whole seconds (for compute-sanitizer,
/// under which every wait runs many times slower).
pub const WAIT_GUARD_ENV: &str = "SKINNY_WAIT_GUARD_S";

/// The wait guard the environment asks for, or the default; a malformed value is an error that
/// names the variable.
pub fn wait_guard_s() -> Result<u64, String> {
    parse_wait_guard(std::env::var(WAIT_GUARD_ENV).ok().as_deref())
}

/// The wait guard from the variable's value (`None`: not set).
fn parse_wait_guard(value: Option<&str>) -> Result<u64, String> {
    match value {
        None => Ok(PERSISTENT_WAIT_GUARD_S),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(s) if (1..=3600).contains(&s) => Ok(s),
            _ => Err(format!(
                "{WAIT_GUARD_ENV}={text:?}: expected whole seconds from 1 to 3600"
            )),
        },
    }
}

/// The persistent chain kernel at `dtype` (16-bit element types only), whose waits trap after
/// `wait_guard_s` seconds.
pub fn persistent_request(dtype: Dtype, arch: &str, wait_guard_s: u64) -> CompileRequest {
    let mut defines = vec![
        dtype_define(dtype),
        (
            "CONSUMER_WARPS".to_string(),
            PERSISTENT_CONSUMER_WARPS.to_string(),
        ),
        ("MAX_STAGES".to_string(), PERSISTENT_MAX_STAGES.to_string()),
    ];
    if wait_guard_s != PERSISTENT_WAIT_GUARD_S {
        defines.push((
            "WAIT_GUARD_NS".to_string(),
            format!("{}ull", wait_guard_s * 1_000_000_000),
        ));
    }
    CompileRequest {
        file: PERSISTENT_FILE.to_string(),
        defines,
        arch: arch.to_string(),
    }
}

/// The helper kernels at `dtype` (the bias add is typed; the others are not).
pub fn aux_request(dtype: Dtype, arch: &str) -> CompileRequest {
    CompileRequest {
        file: AUX_FILE.to_string(),
        defines: vec![dtype_define(dtype)],
        arch: arch.to_string(),
    }
}

/// One compilation to check: a label, the request, and the entries the label is about (empty:
/// every function of the module, as for the helpers).
pub struct CheckedCompile {
    pub label: String,
    pub request: CompileRequest,
    pub entries: Vec<&'static str>,
}

/// Every compilation the registry's CUDA variants and the backend need: what `skinny kernels`
/// and the CI compile check build.
/// (Variants that cannot be built for `arch` have no request: `unbuildable_on` says which.)
pub fn all_requests(variants: &[Variant], arch: &str) -> Vec<CheckedCompile> {
    let mut out = Vec::new();
    for dtype in [Dtype::Bf16, Dtype::F16, Dtype::F32] {
        out.push(CheckedCompile {
            label: format!("(backend helpers) {dtype}"),
            request: aux_request(dtype, arch),
            entries: Vec::new(),
        });
    }
    for dtype in [Dtype::Bf16, Dtype::F16] {
        out.push(CheckedCompile {
            label: format!("(decode persistent chain) {dtype}"),
            request: persistent_request(dtype, arch, PERSISTENT_WAIT_GUARD_S),
            entries: vec![PERSISTENT_ENTRY],
        });
    }
    for variant in variants {
        for &dtype in &variant.supports.dtypes {
            if let Some((request, source)) = variant_request(variant, dtype, arch, false) {
                out.push(CheckedCompile {
                    label: format!("{} {dtype}", variant.id),
                    request,
                    entries: source.entries(),
                });
            }
        }
        // The PDL build (what dispatch plans with PDL compile), at the variant's first dtype.
        if let Some(&dtype) = variant.supports.dtypes.first() {
            if let Some((request, source)) = variant_request(variant, dtype, arch, true) {
                out.push(CheckedCompile {
                    label: format!("{} {dtype} pdl", variant.id),
                    request,
                    entries: source.entries(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_guard_defaults_to_a_second_and_refuses_nonsense_by_name() {
        assert_eq!(parse_wait_guard(None), Ok(1));
        assert_eq!(parse_wait_guard(Some(" 900 ")), Ok(900));
        for bad in ["0", "3601", "-5", "ten", ""] {
            let err = parse_wait_guard(Some(bad)).unwrap_err();
            assert!(err.contains(WAIT_GUARD_ENV), "{err}");
        }
    }

    #[test]
    fn wgmma_builds_for_sm_90a_on_sm_90_and_is_left_out_elsewhere() {
        let registry = crate::registry::Registry::embedded().unwrap();
        let wg = registry.get("wg/m16_s4p_r").unwrap();
        let (request, _) = variant_request(wg, Dtype::Bf16, "sm_90", false).unwrap();
        assert_eq!(request.arch, "sm_90a");
        assert!(unbuildable_on(wg, "sm_90").is_none());
        let why = unbuildable_on(wg, "sm_100").unwrap();
        assert!(
            why.contains("wg/m16_s4p_r") && why.contains("sm_90 GPUs only"),
            "{why}"
        );
        // Everything else keeps the GPU's own architecture and builds anywhere.
        let dot = registry.get("dot/m1_xw").unwrap();
        assert_eq!(
            variant_request(dot, Dtype::Bf16, "sm_90", false)
                .unwrap()
                .0
                .arch,
            "sm_90"
        );
        assert!(unbuildable_on(dot, "sm_100").is_none());
        let on_100 = all_requests(&registry.variants, "sm_100");
        assert!(on_100.iter().all(|c| !c.label.starts_with("wg/")));
        assert!(all_requests(&registry.variants, "sm_90")
            .iter()
            .any(|c| c.label.starts_with("wg/")));
    }

    #[test]
    fn a_longer_guard_is_a_define_and_the_default_is_not() {
        let default = persistent_request(Dtype::Bf16, "sm_90", PERSISTENT_WAIT_GUARD_S);
        assert!(default.defines.iter().all(|(k, _)| k != "WAIT_GUARD_NS"));
        let long = persistent_request(Dtype::Bf16, "sm_90", 900);
        assert!(long
            .defines
            .contains(&("WAIT_GUARD_NS".to_string(), "900000000000ull".to_string())));
    }
}
