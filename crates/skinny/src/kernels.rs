//! The catalogue of kernel families: which `kernel = "..."` names a registry may use, on which
//! backend, and which fixed parameters each accepts.
//!
//! It lives apart from the backends so that a registry can be checked on any machine, GPU or not:
//! a typo in a kernel or parameter name is caught when the file is loaded, with its line, not when
//! the variant first runs.

use crate::registry::BackendKind;

/// The type and range of one fixed parameter of a kernel family.
#[derive(Clone, Copy, Debug)]
pub enum ParamKind {
    Int { min: i64, max: i64 },
    Bool,
}

#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub meaning: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct KernelFamily {
    pub backend: BackendKind,
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamSpec],
}

impl KernelFamily {
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

pub const FAMILIES: &[KernelFamily] = &[
    KernelFamily {
        backend: BackendKind::Cpu,
        name: "cpu_naive",
        summary: "plain triple loop, one thread, f32 accumulation",
        params: &[],
    },
    KernelFamily {
        backend: BackendKind::Cpu,
        name: "cpu_rayon",
        summary:
            "columns of y split across threads; unrolled f32 inner loops the compiler vectorises",
        params: &[ParamSpec {
            name: "columns_per_task",
            kind: ParamKind::Int {
                min: 1,
                max: 1 << 16,
            },
            required: false,
            meaning: "output columns one rayon task computes (default 64)",
        }],
    },
    KernelFamily {
        backend: BackendKind::Cpu,
        name: "cpu_gemm_crate",
        summary: "the `gemm` crate (the CPU GEMM behind candle), multi-threaded",
        params: &[],
    },
];

pub fn family(backend: BackendKind, name: &str) -> Option<&'static KernelFamily> {
    FAMILIES
        .iter()
        .find(|f| f.backend == backend && f.name == name)
}

/// Names of the families of one backend, for "expected one of ..." messages.
pub fn family_names(backend: BackendKind) -> Vec<&'static str> {
    FAMILIES
        .iter()
        .filter(|f| f.backend == backend)
        .map(|f| f.name)
        .collect()
}
