//! Dispatch on a real GPU: plans launched on the caller's stream match the float64 reference,
//! eagerly, chained with programmatic dependent launch, and replayed from a CUDA graph; a foreign
//! table is refused and dispatch falls back to cuBLAS; a matching table is used.
//!
//! Ignored without an NVIDIA GPU, like tests/cuda_backend.rs.

use std::sync::Arc;

use skinny::backend::cuda::dispatcher::{DispatchOptions, Dispatcher, MatmulPlan, TableStatus};
use skinny::backend::cuda::Operands;
use skinny::cudarc::driver::{CudaSlice, CudaStream, DevicePtr};
use skinny::data::{HostTensor, ProblemData};
use skinny::dispatch::{DispatchTable, Reason, Validators};
use skinny::problem::{Dtype, Epilogue, Layout, Problem};
use skinny::reference::{compare, reference};

fn stream() -> Arc<CudaStream> {
    skinny::backend::cuda::new_stream().expect("a CUDA device")
}

struct Device {
    x: CudaSlice<u8>,
    w: CudaSlice<u8>,
    bias: Option<CudaSlice<u8>>,
    y: CudaSlice<u8>,
}

fn upload(stream: &Arc<CudaStream>, data: &ProblemData) -> Device {
    let p = &data.problem;
    let poison = HostTensor::filled(p.dtype(), p.m() * p.n(), f32::NAN);
    Device {
        x: stream.clone_htod(data.x.as_bytes()).unwrap(),
        w: stream.clone_htod(data.w.as_bytes()).unwrap(),
        bias: data
            .bias
            .as_ref()
            .map(|b| stream.clone_htod(b.as_bytes()).unwrap()),
        y: stream.clone_htod(poison.as_bytes()).unwrap(),
    }
}

fn operands(stream: &CudaStream, d: &Device, x: Option<&CudaSlice<u8>>) -> Operands {
    let ptr = |b: &CudaSlice<u8>| b.device_ptr(stream).0;
    Operands {
        x: ptr(x.unwrap_or(&d.x)),
        w: ptr(&d.w),
        y: ptr(&d.y),
        bias: d.bias.as_ref().map_or(0, ptr),
    }
}

fn read(stream: &Arc<CudaStream>, p: &Problem, buffer: &CudaSlice<u8>) -> HostTensor {
    stream.synchronize().unwrap();
    HostTensor::from_bytes(p.dtype(), &stream.clone_dtoh(buffer).unwrap())
}

fn check(plan: &MatmulPlan, data: &ProblemData, got: &HostTensor) {
    let p = plan.problem();
    let report = compare(&got.to_f64(), &reference(data), p.n(), p.dtype());
    assert!(
        report.passed,
        "{} on {p}: {report:?}",
        plan.choice().variant
    );
}

fn problem(m: usize, n: usize, k: usize, epilogue: Epilogue) -> Problem {
    Problem::new(m, n, k, Layout::Nt, Dtype::Bf16, epilogue).unwrap()
}

#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn plans_chain_with_pdl_and_replay_from_a_graph() {
    let stream = stream();
    let mut skinny = Dispatcher::new(stream.clone(), DispatchOptions::default()).unwrap();
    // A chain of two products, each reading the one before: y1 = x·W1ᵀ + b, y2 = y1·W2ᵀ. Under
    // PDL most kernels request their first W before waiting: qwen-like rows of one step, and
    // rows of several steps (k = 3000) with the first peeled off.
    let short = (
        problem(1, 1152, 896, Epilogue::Bias),
        problem(1, 896, 1152, Epilogue::None),
    );
    let long = (
        problem(1, 520, 3000, Epilogue::Bias),
        problem(1, 1000, 520, Epilogue::None),
    );
    for (a, b) in [
        ("dot/m1", "dot/m1"),
        ("mma/m8", "gemv/splitk"),
        ("cublaslt/matmul", "dot/m1_r4"),
        ("dot/m1", "cublas/gemm"),
        ("dot/m1_r4w1_xw", "gemv/baseline_t32"),
        ("dot/m1_w1", "dot/m1_u5_xw"),
        ("mma/m8_k8", "dot/m1_u8_xw"),
        ("dot/m1_xw", "gemv/multirow"),
        ("dot/m1_r8w2_xw", "dot/m1_r4w8_u3_xw"),
        // The next kernel launched before the wait (two kernels ahead under PDL).
        ("dot/m1_r4w1_xw_et", "dot/m1_r4w8_u3_xw_et"),
        ("dot/m1_xw_et", "dot/m1_u5_xw_et"),
    ] {
        for ((first, second), pdl) in [(&short, false), (&short, true), (&long, true)] {
            let (first, second) = (*first, *second);
            skinny.set_pdl(pdl);
            let p1 = skinny.plan_variant(&first, a).unwrap();
            let p2 = skinny.plan_variant(&second, b).unwrap();
            let d1_data = ProblemData::generate(&first, 11);
            let d2_data = ProblemData::generate(&second, 12);
            let d1 = upload(&stream, &d1_data);
            let d2 = upload(&stream, &d2_data);
            // Pointers taken before any capture: cudarc's buffer bookkeeping must not run inside
            // one (its event waits would invalidate the capture).
            let (o1, o2) = (
                operands(&stream, &d1, None),
                operands(&stream, &d2, Some(&d1.y)),
            );
            let issue = || {
                // SAFETY: buffers of the plans' problems; y1 is the second product's x.
                unsafe {
                    p1.launch(&stream, o1).unwrap();
                    p2.launch(&stream, o2).unwrap();
                }
            };
            // Many times in a row, so that a kernel running ahead of its input would show.
            for _ in 0..50 {
                issue();
            }
            let y1 = read(&stream, &first, &d1.y);
            check(&p1, &d1_data, &y1);
            // The second product's reference takes the device's y1 as its x.
            let chained = ProblemData {
                x: y1.clone(),
                ..d2_data.clone()
            };
            let y2 = read(&stream, &second, &d2.y);
            check(&p2, &chained, &y2);

            // The same chain captured into a graph and replayed, outputs poisoned first.
            stream
                .begin_capture(
                    skinny::cudarc::driver::sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL,
                )
                .unwrap();
            issue();
            let graph = stream
                .end_capture(skinny::cudarc::driver::sys::CUgraphInstantiate_flags(0))
                .unwrap()
                .expect("a graph");
            let poison = HostTensor::filled(Dtype::Bf16, second.n(), f32::NAN);
            let d2_y = d2.y.device_ptr(&stream).0;
            // SAFETY: d2.y holds second.n() bf16 values; the stream orders the copy before the replays.
            unsafe {
                skinny::cudarc::driver::result::memcpy_htod_async(
                    d2_y,
                    poison.as_bytes(),
                    stream.cu_stream(),
                )
                .unwrap()
            };
            for _ in 0..20 {
                graph.launch().unwrap();
            }
            let y2_graph = read(&stream, &second, &d2.y);
            check(&p2, &chained, &y2_graph);
        }
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU (run with --ignored on a GPU machine)"]
fn foreign_tables_are_refused_and_matching_ones_used() {
    let stream = stream();
    let probe = Dispatcher::new(stream.clone(), DispatchOptions::default()).unwrap();
    assert_eq!(probe.table_status(), &TableStatus::NoTable);
    let running: Validators = probe.validators().clone();
    drop(probe);

    let small = problem(1, 896, 896, Epilogue::None);
    let table_with = |validators: &Validators| -> DispatchTable {
        let text = serde_json::json!({
            "schema": "skinny.dispatch", "schema_version": 1, "skinny_version": "test",
            "created": "2026-11-21T00:00:00Z", "metric": "gpu_cold",
            "validators": validators, "sources": ["test"],
            "entries": [{
                "key": {"device": validators.device, "compute_capability": validators.compute_capability,
                        "dtype": "bf16", "layout": "nt", "epilogue": "none", "m": 1, "n": 896, "k": 896},
                "shapes": ["test/o"],
                "candidates": [
                    {"variant": "dot/m1", "disposition": "passed", "figures": {"gpu_cold_us": 3.3}},
                    {"variant": "cublas/gemm", "disposition": "passed", "figures": {"gpu_cold_us": 5.5}}
                ],
                "winner": "dot/m1", "winner_us": 3.3
            }]
        })
        .to_string();
        DispatchTable::parse(&text).unwrap()
    };

    // Tuned elsewhere: refused, naming the device, and every plan falls back to cuBLAS.
    let mut foreign = running.clone();
    foreign.device = "NVIDIA A100-SXM4-80GB".into();
    let mut skinny = Dispatcher::new(
        stream.clone(),
        DispatchOptions {
            table: Some(table_with(&foreign)),
            ..Default::default()
        },
    )
    .unwrap();
    match skinny.table_status() {
        TableStatus::Refused(why) => assert!(why.contains("device differs"), "{why}"),
        other => panic!("a foreign table was not refused: {other:?}"),
    }
    let plan = skinny.plan(&small).unwrap();
    assert_eq!(plan.choice().variant, "cublas/gemm");
    let data = ProblemData::generate(&small, 21);
    let d = upload(&stream, &data);
    // SAFETY: buffers of the plan's problem.
    unsafe { plan.launch(&stream, operands(&stream, &d, None)).unwrap() };
    check(&plan, &data, &read(&stream, &small, &d.y));

    // Stale: same device, other kernel sources.
    let mut stale = running.clone();
    stale.sources_digest = "0000".into();
    let skinny = Dispatcher::new(
        stream.clone(),
        DispatchOptions {
            table: Some(table_with(&stale)),
            ..Default::default()
        },
    )
    .unwrap();
    match skinny.table_status() {
        TableStatus::Refused(why) => assert!(why.contains("digest differs"), "{why}"),
        other => panic!("a stale table was not refused: {other:?}"),
    }

    // Matching: the tuned winner, and a rule for a shape near it.
    let mut skinny = Dispatcher::new(
        stream.clone(),
        DispatchOptions {
            table: Some(table_with(&running)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(skinny.table_status(), &TableStatus::Used);
    let plan = skinny.plan(&small).unwrap();
    assert_eq!(plan.choice().variant, "dot/m1");
    assert!(matches!(plan.choice().reason, Reason::Tuned { .. }));
    let near = problem(1, 1024, 896, Epilogue::None);
    let plan = skinny.plan(&near).unwrap();
    assert!(matches!(plan.choice().reason, Reason::Nearest { .. }));
    let data = ProblemData::generate(&near, 22);
    let d = upload(&stream, &data);
    // SAFETY: as above.
    unsafe { plan.launch(&stream, operands(&stream, &d, None)).unwrap() };
    check(&plan, &data, &read(&stream, &near, &d.y));
}
