//! Every NVRTC-compiled kernel of the embedded registry, at every dtype it claims, plus the CUDA
//! backend's helpers: each must compile for sm_90 and spill nothing.
//!
//! Needs libnvrtc (no GPU). Without it the test says it was skipped and why, unless
//! SKINNY_REQUIRE_NVRTC=1 (set by .ci/run), where a missing NVRTC is a failure: CI must not pass
//! by skipping the check.

use skinny::backend::cuda::compile::{compile, nvrtc_unavailable};
use skinny::backend::cuda::kernels::all_requests;
use skinny::registry::Registry;

#[test]
fn every_cuda_kernel_compiles_without_spills() {
    if let Some(why) = nvrtc_unavailable() {
        if std::env::var("SKINNY_REQUIRE_NVRTC").as_deref() == Ok("1") {
            panic!("SKINNY_REQUIRE_NVRTC=1 but {why}");
        }
        eprintln!("skipped: {why}");
        return;
    }
    let registry = Registry::embedded().unwrap();
    let requests = all_requests(&registry.variants, "sm_90");
    assert!(
        requests.len() > 3,
        "the registry has CUDA kernels to compile"
    );
    let mut problems = Vec::new();
    for checked in &requests {
        let label = &checked.label;
        match compile(&checked.request) {
            Err(e) => problems.push(format!("{label}: {e}")),
            Ok(compiled) => {
                assert!(!compiled.cubin.is_empty(), "{label}: empty cubin");
                assert!(!compiled.resources.is_empty(), "{label}: no ptxas report");
                for &entry in &checked.entries {
                    assert!(
                        compiled.resources.iter().any(|r| r.function == entry),
                        "{label}: no ptxas report for its entry {entry}"
                    );
                }
                for r in compiled.resources.iter().filter(|r| r.spills()) {
                    problems.push(format!("{label}: {} spills ({r:?})", r.function));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
