//! skinny: the matrix products of LLM decode, `y = x·Wᵀ (+ bias)` with 1 to 16 rows in x.
//!
//! The crate holds the problem model, the variant registry and its capability filter, the
//! backends that run kernels, the probe that verifies and times them, and the result file.
//! Data flows one way (see DESIGN.md):
//!
//! ```text
//! shapes + registry -> plan (runs and gaps) -> backend (prepare, run, time) -> probe report
//! ```
//!
//! A probe on the CPU backend, from the library:
//!
//! ```
//! use skinny::{backend, probe, registry::Registry, shapes};
//!
//! let shapes = shapes::resolve_set("smoke").unwrap();
//! let variants = Registry::embedded().unwrap().select(&["cpu/rayon".into()]).unwrap();
//! let (mut cpu, _why) = backend::open(backend::BackendChoice::Cpu).unwrap();
//! let mut settings = probe::ProbeSettings::default();
//! settings.rule.time_cap = std::time::Duration::from_millis(5);
//! settings.rule.warmup = std::time::Duration::ZERO;
//! let outcome = probe::run_probe(cpu.as_mut(), &shapes, &variants, &settings, &mut probe::Quiet)
//!     .unwrap();
//! assert!(outcome.runs.iter().all(|r| r.disposition == probe::Disposition::Passed));
//! ```

pub mod backend;
/// The cudarc the CUDA backend is built on: use it for the context, stream and buffers that
/// dispatch plans launch on, so that the types match.
pub use cudarc;
pub mod compare;
pub mod data;
pub mod decode;
pub mod dispatch;
pub mod host;
mod json;
pub mod kernels;
pub mod measure;
pub mod model_config;
pub mod plan;
pub mod probe;
pub mod problem;
pub mod reference;
pub mod registry;
pub mod results;
pub mod shapes;
pub mod source;
