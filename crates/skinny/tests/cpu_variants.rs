//! Every CPU variant of the embedded registry against the float64 reference, on every smoke
//! shape, at every dtype and row count it claims, on fresh random inputs with y poisoned first.

use skinny::backend::{cpu::CpuBackend, Backend};
use skinny::data::ProblemData;
use skinny::plan::unsupported_reasons;
use skinny::problem::Dtype;
use skinny::reference::{compare, reference};
use skinny::registry::{BackendKind, Registry};
use skinny::shapes::resolve_set;

#[test]
fn every_cpu_variant_matches_the_reference_wherever_it_claims_to() {
    let registry = Registry::embedded().unwrap();
    let mut backend = CpuBackend::new();
    let shapes = resolve_set("smoke@all").unwrap();
    let mut checked = 0;
    for variant in registry
        .variants
        .iter()
        .filter(|v| v.backend == BackendKind::Cpu)
    {
        for (i, shape) in shapes.iter().enumerate() {
            for dtype in Dtype::ALL {
                let problem = shape.problem.with_dtype(dtype);
                if !unsupported_reasons(&problem, &variant.supports).is_empty() {
                    continue;
                }
                let data = ProblemData::generate(&problem, 1000 + i as u64);
                let expected = reference(&data);
                let mut run = backend.prepare(variant, &data).unwrap();
                let y = run.run_once().unwrap();
                let report = compare(&y.to_f64(), &expected, problem.n(), dtype);
                assert!(
                    report.passed,
                    "{} on {} ({problem}): {report:?}",
                    variant.id,
                    shape.label()
                );
                checked += 1;
            }
        }
    }
    // Two variants at 3 dtypes and the gemm crate at f32, on 7 shapes at 3 row counts.
    assert!(checked >= 140, "only {checked} combinations checked");
}

#[test]
fn repeated_runs_give_the_same_answer() {
    // A run that differs between calls on the same inputs is a race.
    let registry = Registry::embedded().unwrap();
    let mut backend = CpuBackend::new();
    let problem = resolve_set("smoke@m16").unwrap()[1].problem;
    let data = ProblemData::generate(&problem, 3);
    for variant in &registry.variants {
        let mut run = backend.prepare(variant, &data);
        if let Ok(run) = run.as_mut() {
            let first = run.run_once().unwrap();
            for _ in 0..5 {
                assert_eq!(run.run_once().unwrap(), first, "{}", variant.id);
            }
        }
    }
}
