//! The CUDA backend on a real GPU: every CUDA variant against the float64 reference on fresh
//! random inputs with y poisoned first, and a short probe with all five figures and the three
//! ceilings.
//!
//! These need an NVIDIA GPU and are ignored otherwise (`cargo test` lists them as ignored with
//! the reason). On a GPU machine: `cargo test --release -p skinny --test cuda_backend -- --ignored`,
//! or build the test binary here and run it there (README, "GPU tests").

use std::time::Duration;

use skinny::backend::cuda::CudaBackend;
use skinny::backend::Backend;
use skinny::data::ProblemData;
use skinny::measure::{Figure, StoppingRule};
use skinny::plan::unsupported_reasons;
use skinny::probe::{run_probe, Disposition, ProbeSettings, Quiet};
use skinny::problem::Dtype;
use skinny::reference::{compare, reference};
use skinny::registry::{BackendKind, Registry};
use skinny::shapes::{parse_shape_arg, resolve_set, Shape};

fn backend() -> CudaBackend {
    CudaBackend::open().unwrap_or_else(|why| panic!("no usable CUDA device: {why}"))
}

/// Smoke shapes plus edge shapes the GPU kernels must get right.
fn shapes() -> Vec<Shape> {
    let mut shapes = resolve_set("smoke@all").unwrap();
    for spec in [
        "1,1,8",
        "1,1152,896,bias",
        "2,300,1032",
        "1,131080,64",
        "16,96,4096,axpby",
        // n and k multiples of no tile (tiled kernels; the GEMV family needs k % 8 == 0).
        "5,100,70",
        "3,100,70,nn,bias",
        // Tensor-core tiles: n not a multiple of 8 or 16, m on both sides of 8, a K tail
        // that is not a whole step of 64.
        "9,37,200,bias",
        "8,1000,136,axpby",
        "13,24,1032",
        // x resident (XRES): blocks walking several tiles, x rows padded past a K tail.
        "16,5000,1000,bias",
        "7,3000,2056,axpby",
        // Many rows of x, tiny n.
        "128,8,512",
        "33,3,40,axpby",
        // [k, n] weights: one split and many (the last block of a tile sums the partials),
        // every m the kernels take, n > 2^17.
        "1,896,4864,nn",
        "4,136,4096,nn,axpby",
        "3,264,1000,nn,bias",
        "1,131080,64,nn",
        // Cluster splits: K shorter than a cluster (blocks with no rows), n under a tile.
        "1,8,3,nn",
        "4,72,40,nn,axpby",
    ] {
        shapes.push(parse_shape_arg(spec).unwrap());
    }
    shapes
}

#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn every_cuda_variant_matches_the_reference_wherever_it_claims_to() {
    let registry = Registry::embedded().unwrap();
    // SKINNY_TEST_VARIANTS="glob glob ...": only these (e.g. the new kernels under
    // compute-sanitizer, which is slow on the vendor libraries).
    let globs: Vec<String> = std::env::var("SKINNY_TEST_VARIANTS")
        .map(|v| v.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let variants = registry.select(&globs).unwrap();
    let (shard, shards) = test_shard();
    let mut backend = backend();
    let mut checked = 0;
    let mut combination = 0;
    let mut failures = Vec::new();
    for variant in variants.iter().filter(|v| v.backend == BackendKind::Cuda) {
        for (i, shape) in shapes().iter().enumerate() {
            for dtype in Dtype::ALL {
                let problem = shape.problem.with_dtype(dtype);
                if !unsupported_reasons(&problem, &variant.supports).is_empty() {
                    continue;
                }
                let index = combination;
                combination += 1;
                if index % shards != shard {
                    continue;
                }
                // Each combination's time: under racecheck a few of them take minutes.
                let started = std::time::Instant::now();
                let data = ProblemData::generate(&problem, 7000 + i as u64);
                let expected = reference(&data);
                let mut run = backend.prepare(variant, &data).unwrap();
                // Twice: a result that changes between runs on the same inputs is a race.
                let first = run.run_once().unwrap();
                let second = run.run_once().unwrap();
                let report = compare(&first.to_f64(), &expected, problem.n(), dtype);
                if !report.passed {
                    failures.push(format!("{} on {problem}: {report:?}", variant.id));
                }
                if first != second {
                    failures.push(format!("{} on {problem}: two runs differ", variant.id));
                }
                checked += 1;
                eprintln!(
                    "  {} on {problem}: {:.1} s",
                    variant.id,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    eprintln!("{checked} (variant, shape, dtype) combinations checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let least = if globs.is_empty() { 50 } else { 1 };
    assert!(checked >= least, "only {checked} combinations checked");
}

/// SKINNY_TEST_SHARD="i/n": only every n-th supported (variant, shape, dtype) combination from
/// the i-th (0-based), so that n processes (under compute-sanitizer, which takes minutes on the
/// cluster kernels) share one variant's combinations. Unset: all of them, (0, 1).
fn test_shard() -> (usize, usize) {
    let Ok(spec) = std::env::var("SKINNY_TEST_SHARD") else {
        return (0, 1);
    };
    let parsed = spec
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((i, n)) if n > 0 && i < n => (i, n),
        _ => panic!("SKINNY_TEST_SHARD must be \"i/n\" with 0 <= i < n, not {spec:?}"),
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn a_short_probe_gives_every_figure_and_three_ceilings() {
    let registry = Registry::embedded().unwrap();
    let mut backend = backend();
    let shapes = vec![
        parse_shape_arg("1,1152,896,bias").unwrap(),
        parse_shape_arg("1,4096,4096").unwrap(),
    ];
    let settings = ProbeSettings {
        rule: StoppingRule {
            time_cap: Duration::from_millis(50),
            ..StoppingRule::default()
        },
        seed: 3,
        verify_only: false,
    };
    let out = run_probe(
        &mut backend,
        &shapes,
        &registry.variants,
        &settings,
        &mut Quiet,
    )
    .unwrap();
    let c = &out.ceilings;
    let read = c.read_bandwidth.as_ref().unwrap();
    assert!(read.gbps > 100.0, "read bandwidth {} GB/s", read.gbps);
    // The ceiling is the best of several launch shapes, each named with its reading.
    let note = c
        .notes
        .iter()
        .find(|n| n.starts_with("read_bandwidth"))
        .expect("a read_bandwidth note");
    for shape in [
        "4×512 a SM",
        "8×256 a SM",
        "16×256 a SM",
        "one pass, 4 loads",
    ] {
        assert!(note.contains(shape), "{note}");
    }
    let empty = c.empty_roundtrip_us.as_ref().unwrap().median;
    assert!(c.graph_node_us.as_ref().unwrap().median > 0.0);
    assert!(out.stopped_early.is_none());
    assert!(!out.runs.is_empty());
    for r in &out.runs {
        assert_eq!(
            r.disposition,
            Disposition::Passed,
            "{} {}: {:?}",
            r.variant,
            r.shape.label(),
            r.failure
        );
        for f in [
            Figure::GpuColdUs,
            Figure::GpuHotUs,
            Figure::HostRoundtripUs,
            Figure::HostSubmitUs,
            Figure::GraphUs,
        ] {
            let s = &r.timings[&f];
            assert!(s.median > 0.0 && s.samples >= 3, "{} {f:?}", r.variant);
        }
        // The PDL graph figure is for skinny's own kernels (their PDL build, checked against
        // the plain one); the vendor calls have none.
        let vendor = registry.get(&r.variant).unwrap().is_vendor();
        match r.timings.get(&Figure::GraphPdlUs) {
            Some(s) => assert!(!vendor && s.median > 0.0, "{}", r.variant),
            None => assert!(vendor, "{}: no graph_pdl_us", r.variant),
        }
        let roundtrip = r.timings[&Figure::HostRoundtripUs].median;
        assert!(
            roundtrip >= 0.9 * empty,
            "{}: round trip {roundtrip} below empty {empty}",
            r.variant
        );
        assert!(
            r.timings[&Figure::GraphUs].median < roundtrip,
            "{}",
            r.variant
        );
    }
}
