//! Tables built from synthetic probe results, refused when stale or foreign, and the choices
//! they lead to.

use std::collections::BTreeMap;

use super::*;
use crate::backend::{BackendChoice, BackendSelection, Ceilings, DeviceInfo};
use crate::host::HostInfo;
use crate::measure::{Figure, Stats, Timings};
use crate::probe::{Disposition, ProbeOutcome, ProbeSettings, RunRecord};
use crate::problem::{Dtype, Epilogue, Layout, Problem};
use crate::registry::{BackendKind, Registry};
use crate::results::{Environment, ProbeReport};
use crate::shapes::Shape;

const DIGEST: &str = "digest-of-these-sources";

fn device(name: &str) -> DeviceInfo {
    let mut details = BTreeMap::new();
    details.insert("compute_capability".into(), "9.0".into());
    details.insert("driver_cuda_version".into(), "13.0".into());
    details.insert("nvrtc_version".into(), "13.0".into());
    DeviceInfo {
        backend: BackendKind::Cuda,
        name: name.into(),
        details,
    }
}

fn problem(m: usize, n: usize, k: usize, epilogue: Epilogue) -> Problem {
    Problem::new(m, n, k, Layout::Nt, Dtype::Bf16, epilogue).unwrap()
}

fn timings(cold_us: f64) -> Timings {
    let mut t = Timings::new();
    t.insert(
        Figure::GpuColdUs,
        Stats::from_samples(vec![cold_us; 3], false),
    );
    t.insert(
        Figure::GraphUs,
        Stats::from_samples(vec![cold_us * 0.8; 3], false),
    );
    t
}

fn run(problem: Problem, variant: &str, time: Option<f64>) -> RunRecord {
    RunRecord {
        shape: Shape {
            set: "test".into(),
            name: format!("{}x{}", problem.n(), problem.k()),
            problem,
        },
        variant: variant.into(),
        kernel: String::new(),
        params: BTreeMap::new(),
        disposition: if time.is_some() {
            Disposition::Passed
        } else {
            Disposition::Incorrect
        },
        seed: 0,
        error: None,
        failure: None,
        bytes_moved: problem.bytes_moved(),
        flops: problem.flops(),
        timings: time.map(timings).unwrap_or_default(),
        gbps: None,
        pct_roofline: None,
    }
}

fn report(device_name: &str, runs: Vec<RunRecord>) -> ProbeReport {
    let mut report = ProbeReport::new(
        BackendSelection {
            kind: BackendKind::Cuda,
            requested: BackendChoice::Cuda,
            reason: "test".into(),
        },
        Environment {
            host: HostInfo::detect(),
            device: device(device_name),
        },
        ProbeSettings::default(),
        "test".into(),
        Vec::new(),
        ProbeOutcome {
            ceilings: Ceilings::default(),
            runs,
            gaps: Vec::new(),
            skipped_variants: Vec::new(),
            stopped_early: None,
        },
    );
    report.sources_digest = Some(DIGEST.into());
    report
}

#[test]
fn a_decode_report_names_its_failed_models_and_reads_back_without_them() {
    let mut with = report("NVIDIA H200", Vec::new());
    with.decode_failures.push(crate::decode::DecodeFailure {
        model: "qwen2.5-0.5b".into(),
        m: 1,
        stage: "decode".into(),
        error: "out of memory".into(),
    });
    let text = serde_json::to_string(&with).unwrap();
    assert!(text.contains("\"decode_failures\""), "{text}");
    let back: ProbeReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back.decode_failures, with.decode_failures);
    // A report with none leaves the field out, and files written before it read back.
    let without = serde_json::to_string(&report("NVIDIA H200", Vec::new())).unwrap();
    assert!(!without.contains("decode_failures"), "{without}");
    let back: ProbeReport = serde_json::from_str(&without).unwrap();
    assert!(back.decode_failures.is_empty());
}

/// A table from one H200 result file of `runs`, ranked by `metric`.
fn table_of(runs: Vec<RunRecord>, metric: Metric) -> DispatchTable {
    DispatchTable::from_reports(&[("t.json".into(), report("NVIDIA H200", runs))], metric).unwrap()
}

/// Two M = 1 shapes and one M = 8 shape, timed as the H200 timed them (roughly).
fn h200_table() -> DispatchTable {
    let small = problem(1, 896, 896, Epilogue::None);
    let big = problem(1, 9728, 896, Epilogue::None);
    let batch = problem(8, 896, 896, Epilogue::None);
    let runs = vec![
        run(small, "dot/m1", Some(3.3)),
        run(small, "mma/m8", Some(3.6)),
        run(small, "cublas/gemm", Some(5.5)),
        run(small, "gemv/baseline", None),
        run(big, "mma/m8_u4", Some(7.5)),
        run(big, "dot/m1", Some(8.0)),
        run(big, "cublas/gemm", Some(8.1)),
        run(batch, "mma/m8", Some(3.6)),
        run(batch, "cublas/gemm", Some(4.9)),
    ];
    table_of(runs, Metric::GpuCold)
}

fn registry() -> Registry {
    Registry::embedded().unwrap()
}

/// `choose` where the GPU's blocks a SM are not known (the rules' round model is off): what
/// every test wants but the one about the round model.
fn choose_blind(
    problem: &Problem,
    table: Option<&DispatchTable>,
    reg: &Registry,
) -> Result<Choice, String> {
    choose(problem, table, reg, &mut |_| None)
}

/// The variant `choose_blind` picks for `problem` from `table`.
fn blind_pick(problem: &Problem, table: &DispatchTable, reg: &Registry) -> String {
    choose_blind(problem, Some(table), reg).unwrap().variant
}

/// `choose_for`, blind as `choose_blind`.
fn choose_for_blind(
    problem: &Problem,
    table: Option<&DispatchTable>,
    reg: &Registry,
    pdl: bool,
) -> Result<Choice, String> {
    choose_for(problem, table, reg, pdl, &mut |_| None)
}

#[test]
fn the_table_ranks_candidates_and_names_winners() {
    let table = h200_table();
    assert_eq!(table.entries.len(), 3);
    let small = table.entry(&problem(1, 896, 896, Epilogue::None)).unwrap();
    assert_eq!(small.winner.as_deref(), Some("dot/m1"));
    assert_eq!(small.winner_us, Some(3.3));
    let order: Vec<&str> = small
        .candidates
        .iter()
        .map(|c| c.variant.as_str())
        .collect();
    // Passed fastest first, the incorrect one last.
    assert_eq!(order, ["dot/m1", "mma/m8", "cublas/gemm", "gemv/baseline"]);
    assert_eq!(small.key.device, "NVIDIA H200");
    assert_eq!(small.key.compute_capability, "9.0");
    // Every figure is kept, not only the metric's.
    assert!(small.candidates[0].figures.contains_key("graph_us"));
    // The graph metric ranks by graph_us.
    let by_graph = table_of(
        vec![run(
            problem(1, 896, 896, Epilogue::None),
            "dot/m1",
            Some(3.3),
        )],
        Metric::Graph,
    );
    assert!((by_graph.entries[0].winner_us.unwrap() - 3.3 * 0.8).abs() < 1e-9);
}

#[test]
fn the_pdl_graph_metric_ranks_vendor_calls_by_their_plain_graph_figure() {
    let small = problem(1, 896, 896, Epilogue::None);
    let mut with_pdl = run(small, "dot/m1", Some(3.0));
    with_pdl
        .timings
        .insert(Figure::GraphPdlUs, Stats::from_samples(vec![1.2; 3], false));
    // Faster than dot/m1 in the plain graph (2.0 × 0.8 against 3.0 × 0.8), slower with PDL.
    let vendor = run(small, "cublas/gemm", Some(2.0));
    let table = table_of(vec![with_pdl, vendor], Metric::GraphPdl);
    let entry = table.entry(&small).unwrap();
    assert_eq!(entry.winner.as_deref(), Some("dot/m1"));
    assert_eq!(entry.winner_us, Some(1.2));
    assert_eq!(
        entry.candidates[1].time_us(Metric::GraphPdl),
        Some(2.0 * 0.8)
    );
    assert_eq!(Metric::GraphPdl.name(), "graph_pdl");
}

#[test]
fn tables_survive_a_round_trip_and_other_files_are_refused() {
    let table = h200_table();
    let text = serde_json::to_string(&table).unwrap();
    assert_eq!(DispatchTable::parse(&text).unwrap(), table);
    let err =
        DispatchTable::parse(r#"{"schema": "skinny.probe", "schema_version": 1}"#).unwrap_err();
    assert!(err.contains("skinny.dispatch"), "{err}");
    let err = DispatchTable::parse("[1, 2").unwrap_err();
    assert!(err.contains("not a skinny dispatch table"), "{err}");
}

#[test]
fn stale_and_foreign_tables_are_refused_naming_what_differs() {
    let table = h200_table();
    let same = table.validators.clone();
    assert_eq!(table.validators.mismatch(&same), None);
    type Change = fn(&mut Validators);
    let cases: [(&str, Change); 5] = [
        ("device differs", |v| {
            v.device = "NVIDIA A100-SXM4-80GB".into()
        }),
        ("compute capability differs", |v| {
            v.compute_capability = "8.0".into()
        }),
        ("driver CUDA version differs", |v| {
            v.driver_cuda_version = "12.8".into()
        }),
        ("NVRTC version differs", |v| v.nvrtc_version = "13.1".into()),
        ("kernel sources and registry digest differs", |v| {
            v.sources_digest = "another".into()
        }),
    ];
    for (expected, change) in cases {
        let mut running = same.clone();
        change(&mut running);
        let why = table.validators.mismatch(&running).expect(expected);
        assert!(why.contains(expected), "{why}");
    }
    // Results of two systems cannot make one table.
    let err = DispatchTable::from_reports(
        &[
            ("a.json".into(), report("NVIDIA H200", vec![])),
            ("b.json".into(), report("NVIDIA H100", vec![])),
        ],
        Metric::GpuCold,
    )
    .unwrap_err();
    assert!(
        err.contains("b.json") && err.contains("device differs"),
        "{err}"
    );
    // A result file without a sources digest cannot make a table.
    let mut old = report("NVIDIA H200", vec![]);
    old.sources_digest = None;
    let err =
        DispatchTable::from_reports(&[("old.json".into(), old)], Metric::GpuCold).unwrap_err();
    assert!(err.contains("sources digest"), "{err}");
}

#[test]
fn the_digest_follows_sources_and_variants() {
    let variants = registry().variants;
    let a = sources_digest([("a.cu", "x")], &variants);
    assert_eq!(a, sources_digest([("a.cu", "x")], &variants));
    assert_ne!(a, sources_digest([("a.cu", "y")], &variants));
    assert_ne!(a, sources_digest([("a.cu", "x")], &variants[1..]));
    assert_eq!(a.len(), 64);
}

fn chain_pick(variant: &str) -> ChainPick {
    ChainPick {
        model: "qwen2.5-0.5b".into(),
        variant: variant.into(),
        chain_us: 350.0,
        tried: BTreeMap::from([(variant.to_string(), 350.0), ("dot/m1".into(), 356.0)]),
    }
}

#[test]
fn pdl_plans_take_the_chain_pick_and_other_plans_the_winner() {
    let small = problem(1, 896, 896, Epilogue::None);
    let mut table = h200_table();
    table.set_chain_pick(&small, chain_pick("mma/m8"));
    let with_pdl = choose_for_blind(&small, Some(&table), &registry(), true).unwrap();
    assert_eq!(with_pdl.variant, "mma/m8");
    assert!(matches!(
        with_pdl.reason,
        Reason::Chain { ref model, chain_us } if model == "qwen2.5-0.5b" && chain_us == 350.0
    ));
    let without = choose_for_blind(&small, Some(&table), &registry(), false).unwrap();
    assert_eq!(without.variant, "dot/m1");
    assert!(matches!(without.reason, Reason::Tuned { .. }));
    // A second search replaces the first pick, in the same entry.
    table.set_chain_pick(&small, chain_pick("cublas/gemm"));
    assert_eq!(table.entries.len(), 3);
    let again = choose_for_blind(&small, Some(&table), &registry(), true).unwrap();
    assert_eq!(again.variant, "cublas/gemm");
    // The pick survives a round trip through the file, and a table without picks reads as one.
    let text = serde_json::to_string(&table).unwrap();
    assert_eq!(DispatchTable::parse(&text).unwrap(), table);
    let plain = serde_json::to_string(&h200_table()).unwrap();
    assert!(!plain.contains("chain_pdl"));
}

#[test]
fn a_chain_pick_that_cannot_run_the_problem_is_passed_over() {
    let small = problem(1, 896, 896, Epilogue::None);
    let mut table = h200_table();
    // gemv/nn reads W as [k, n]: it cannot run an nt problem.
    table.set_chain_pick(&small, chain_pick("gemv/nn"));
    let choice = choose_for_blind(&small, Some(&table), &registry(), true).unwrap();
    assert_eq!(choice.variant, "dot/m1");
    // Nor is a pick of a variant the registry does not have.
    table.set_chain_pick(&small, chain_pick("dot/gone"));
    let choice = choose_for_blind(&small, Some(&table), &registry(), true).unwrap();
    assert_eq!(choice.variant, "dot/m1");
}

#[test]
fn a_chain_pick_for_an_untuned_problem_gets_its_own_entry() {
    let odd = problem(1, 1000, 520, Epilogue::None);
    let mut table = h200_table();
    table.set_chain_pick(&odd, chain_pick("dot/m1"));
    assert_eq!(table.entries.len(), 4);
    let entry = table.entry(&odd).unwrap();
    assert!(entry.candidates.is_empty() && entry.winner.is_none());
    assert_eq!(entry.shapes, ["qwen2.5-0.5b/chain"]);
    assert_eq!(
        choose_for_blind(&odd, Some(&table), &registry(), true)
            .unwrap()
            .variant,
        "dot/m1"
    );
    // Without PDL the entry has no winner, so a rule decides, as for any untuned shape.
    let plain = choose_for_blind(&odd, Some(&table), &registry(), false).unwrap();
    assert!(!matches!(
        plain.reason,
        Reason::Chain { .. } | Reason::Tuned { .. }
    ));
}

#[test]
fn tuned_problems_get_their_winner() {
    let table = h200_table();
    let choice = choose_blind(
        &problem(1, 896, 896, Epilogue::None),
        Some(&table),
        &registry(),
    )
    .unwrap();
    assert_eq!(choice.variant, "dot/m1");
    assert!(matches!(choice.reason, Reason::Tuned { time_us } if time_us == 3.3));
}

#[test]
fn untuned_problems_follow_their_nearest_tuned_shapes() {
    let table = h200_table();
    let reg = registry();
    // Close to the 896×896 and 9728×896 shapes at M = 1.
    let choice = choose_blind(&problem(1, 1024, 1024, Epilogue::None), Some(&table), &reg).unwrap();
    let Reason::Nearest {
        neighbours,
        mean_relative,
    } = &choice.reason
    else {
        panic!("{choice:?}")
    };
    assert_eq!(neighbours.len(), 2, "only the M = 1 class: {neighbours:?}");
    assert!(neighbours[0].starts_with("1×896×896"), "{neighbours:?}");
    assert!(*mean_relative >= 1.0);
    assert_eq!(choice.variant, "dot/m1", "{choice:?}");
    // M = 4: dot/m1 cannot run it (m_max = 1); the M = 8 neighbour's winner can.
    let choice = choose_blind(&problem(4, 896, 896, Epilogue::None), Some(&table), &reg).unwrap();
    assert_eq!(choice.variant, "mma/m8", "{choice:?}");
    // Where cuBLAS won nearby, cuBLAS is chosen.
    let p = problem(1, 896, 896, Epilogue::None);
    let runs = vec![
        run(p, "dot/m1", Some(9.0)),
        run(p, "cublas/gemm", Some(5.0)),
    ];
    let cublas_wins = table_of(runs, Metric::GpuCold);
    let choice = choose_blind(
        &problem(1, 1000, 1000, Epilogue::None),
        Some(&cublas_wins),
        &reg,
    )
    .unwrap();
    assert_eq!(choice.variant, "cublas/gemm");
}

#[test]
fn rules_do_not_carry_winners_across_distant_row_counts() {
    // A table tuned at M = 1 only, where a one-row kernel wins.
    let p = problem(1, 896, 896, Epilogue::None);
    let runs = vec![
        run(p, "gemv/baseline", Some(3.0)),
        run(p, "cublas/gemm", Some(5.0)),
    ];
    let m1_only = table_of(runs, Metric::GpuCold);
    let reg = registry();
    // M = 2 is within 2× of M = 1: the rule applies.
    let choice = choose_blind(
        &problem(2, 1000, 1000, Epilogue::None),
        Some(&m1_only),
        &reg,
    )
    .unwrap();
    assert!(
        matches!(choice.reason, Reason::Nearest { .. }),
        "{choice:?}"
    );
    assert_eq!(choice.variant, "gemv/baseline");
    // M = 8 is not: cuBLAS, saying why.
    let choice = choose_blind(
        &problem(8, 1000, 1000, Epilogue::None),
        Some(&m1_only),
        &reg,
    )
    .unwrap();
    assert_eq!(choice.variant, "cublas/gemm", "{choice:?}");
    let Reason::Fallback { why } = &choice.reason else {
        panic!("{choice:?}")
    };
    assert!(why.contains("m = 1") && why.contains("m = 8"), "{why}");
}

#[test]
fn without_a_usable_table_dispatch_falls_back_to_cublas() {
    let reg = registry();
    let choice = choose_blind(&problem(1, 896, 896, Epilogue::None), None, &reg).unwrap();
    assert_eq!(choice.variant, "cublas/gemm");
    assert!(matches!(choice.reason, Reason::Fallback { .. }));
    // A bias goes to cuBLASLt's bias epilogue.
    let choice = choose_blind(&problem(1, 1152, 896, Epilogue::Bias), None, &reg).unwrap();
    assert_eq!(choice.variant, "cublaslt/matmul");
    // A dtype the table never saw: no neighbour, so cuBLAS.
    let table = h200_table();
    let f16 = Problem::new(1, 896, 896, Layout::Nt, Dtype::F16, Epilogue::None).unwrap();
    let choice = choose_blind(&f16, Some(&table), &reg).unwrap();
    assert_eq!(choice.variant, "cublas/gemm");
    let Reason::Fallback { why } = choice.reason else {
        panic!()
    };
    assert!(why.contains("f16"), "{why}");
}

#[test]
fn every_valid_problem_gets_a_runnable_choice() {
    let table = h200_table();
    let reg = registry();
    for m in [1, 2, 3, 8, 16, 33] {
        for (n, k) in [(1, 8), (896, 896), (151_936, 896), (7, 13)] {
            for epilogue in [
                Epilogue::None,
                Epilogue::Bias,
                Epilogue::Axpby {
                    alpha: 1.0,
                    beta: 1.0,
                },
            ] {
                for layout in [Layout::Nt, Layout::Nn] {
                    let p = Problem::new(m, n, k, layout, Dtype::Bf16, epilogue).unwrap();
                    let choice = choose_blind(&p, Some(&table), &reg).unwrap();
                    let variant = reg.get(&choice.variant).unwrap();
                    assert_eq!(variant.backend, BackendKind::Cuda);
                    assert!(
                        crate::plan::unsupported_reasons(&p, &variant.supports).is_empty(),
                        "{p}: {choice:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_rule_leaves_cublas_only_for_a_clear_margin() {
    let reg = registry();
    let p = problem(8, 4096, 4096, Epilogue::None);
    // 3 % ahead of cuBLAS on the neighbour: not enough for a shape nobody timed.
    let narrow = table_of(
        vec![
            run(p, "mma/m8", Some(12.9)),
            run(p, "cublas/gemm", Some(13.3)),
        ],
        Metric::GpuCold,
    );
    let untuned = problem(8, 4096, 2304, Epilogue::None);
    assert_eq!(blind_pick(&untuned, &narrow, &reg), "cublas/gemm");
    // The tuned shape itself still gets its winner.
    assert_eq!(blind_pick(&p, &narrow, &reg), "mma/m8");
    // 20 % ahead: the rule takes the skinny kernel.
    let clear = table_of(
        vec![
            run(p, "mma/m8", Some(10.0)),
            run(p, "cublas/gemm", Some(12.0)),
        ],
        Metric::GpuCold,
    );
    assert_eq!(blind_pick(&untuned, &clear, &reg), "mma/m8");
}

#[test]
fn a_rule_charges_a_kernel_whose_last_step_runs_part_empty() {
    let reg = registry();
    // dot/m2_r2u2_xw walks K in steps of 2048 elements: whole steps at k = 4096, one and a half
    // at k = 3072.
    let step = crate::kernels::k_step_bytes(reg.get("dot/m2_r2u2_xw").unwrap());
    assert_eq!(step, Some(4 * 32 * 2 * 16));
    let p = problem(2, 16384, 4096, Epilogue::None);
    let table = table_of(
        vec![
            run(p, "dot/m2_r2u2_xw", Some(10.0)),
            run(p, "cublas/gemm", Some(10.6)),
        ],
        Metric::GpuCold,
    );
    // The same row length: 6 % ahead is a clear margin.
    let same_k = problem(2, 20000, 4096, Epilogue::None);
    assert_eq!(blind_pick(&same_k, &table, &reg), "dot/m2_r2u2_xw");
    // k = 3072: its last step half empty, the 6 % is gone.
    let ragged = problem(2, 16384, 3072, Epilogue::None);
    assert_eq!(blind_pick(&ragged, &table, &reg), "cublas/gemm");
    // Never a reward: 4 % ahead at k = 3072 (steps 0.75 used) is not counted as more at an
    // untuned k = 4096 (steps all used), where it would be 17 % ahead.
    let ragged_tuned = problem(2, 16384, 3072, Epilogue::None);
    let table = table_of(
        vec![
            run(ragged_tuned, "dot/m2_r2u2_xw", Some(10.0)),
            run(ragged_tuned, "cublas/gemm", Some(10.4)),
        ],
        Metric::GpuCold,
    );
    let whole = problem(2, 16384, 4096, Epilogue::None);
    assert_eq!(blind_pick(&whole, &table, &reg), "cublas/gemm");
}

#[test]
fn a_rule_charges_a_tensor_core_build_whose_warps_load_leftover_steps_one_at_a_time() {
    let reg = registry();
    // mma/c4_m2_u4_b8: at k = 4096 and 2048 each warp's steps go in whole batches of 4; at
    // k = 3072 a warp has 6, one batch and then two one at a time (measured on the H200,
    // thirty-first session: 1.14× cuBLAS on Phi-3's 1×16384×3072).
    let (k4096, k2048) = (
        problem(1, 28672, 4096, Epilogue::None),
        problem(1, 16384, 2048, Epilogue::None),
    );
    let mut runs = Vec::new();
    for p in [k4096, k2048] {
        runs.push(run(p, "mma/c4_m2_u4_b8", Some(10.0)));
        runs.push(run(p, "mma/c2_m4_u4_b8_tail", Some(10.1)));
        runs.push(run(p, "cublas/gemm", Some(10.8)));
    }
    let table = table_of(runs, Metric::GpuCold);
    // A whole number of batches at an untuned n: the build that won.
    let whole = problem(1, 20000, 4096, Epilogue::None);
    assert_eq!(blind_pick(&whole, &table, &reg), "mma/c4_m2_u4_b8");
    // k = 3072: its round trips half full; the TAIL build's (3 batches of 4 steps) stay full.
    let ragged = problem(1, 16384, 3072, Epilogue::None);
    assert_eq!(blind_pick(&ragged, &table, &reg), "mma/c2_m4_u4_b8_tail");
}

#[test]
fn a_verify_only_report_is_refused_for_tuning() {
    let p = problem(1, 896, 896, Epilogue::None);
    let mut verified = report("NVIDIA H200", vec![run(p, "dot/m1", Some(3.3))]);
    verified.settings.verify_only = true;
    let err =
        DispatchTable::from_reports(&[("v.json".into(), verified)], Metric::GpuCold).unwrap_err();
    assert!(
        err.contains("v.json") && err.contains("--verify-only"),
        "{err}"
    );
}

#[test]
fn later_reports_update_their_variants_and_keep_the_others() {
    let p = problem(1, 896, 896, Epilogue::None);
    let first = report(
        "NVIDIA H200",
        vec![
            run(p, "dot/m1", Some(3.3)),
            run(p, "cublas/gemm", Some(5.5)),
        ],
    );
    let second = report("NVIDIA H200", vec![run(p, "dot/m1", Some(6.0))]);
    let table = DispatchTable::from_reports(
        &[("a.json".into(), first), ("b.json".into(), second)],
        Metric::GpuCold,
    )
    .unwrap();
    let entry = &table.entries[0];
    assert_eq!(entry.candidates.len(), 2);
    assert_eq!(entry.winner.as_deref(), Some("cublas/gemm"));
    assert_eq!(
        entry.relative_time("dot/m1", Metric::GpuCold),
        Some(6.0 / 5.5)
    );
}

/// The H200's M = 4 neighbours of qwen2.5-1.5b's down (4×1536×8960) in the s23 tables, roughly.
fn down_neighbours() -> DispatchTable {
    let runs = [
        (896, 4864, [6.44, 6.77, 8.22]),
        (1024, 8192, [8.31, 8.30, 9.77]),
        (4096, 8192, [24.15, 22.36, 22.18]),
    ]
    .into_iter()
    .flat_map(|(n, k, [k16, dot, cublas])| {
        let p = problem(4, n, k, Epilogue::None);
        [
            run(p, "mma/m16_k16", Some(k16)),
            run(p, "dot/m4_r2u2_xw", Some(dot)),
            run(p, "cublas/gemm", Some(cublas)),
        ]
    })
    .collect();
    table_of(runs, Metric::GpuCold)
}

#[test]
fn a_rule_charges_a_grid_whose_last_round_leaves_more_sms_idle() {
    let table = down_neighbours();
    let down = problem(4, 1536, 8960, Epilogue::None);
    // Without the slots only the K loop is charged, and the 16-warp kernel, one block of 8
    // rows a SM, wins on its neighbours (112 and 128 blocks: one round each).
    let blind = choose_blind(&down, Some(&table), &registry()).unwrap();
    assert_eq!(blind.variant, "mma/m16_k16", "{blind:?}");
    // On the H200 one of its blocks fits a SM: 132 slots, so its 192 blocks run two rounds, the
    // second 45 % full (it took 1.14× cuBLAS there). dot/m4_r2u2_xw's 768 two-row blocks of 4
    // warps fit in one round, as on the neighbours.
    let mut h200 = |v: &crate::registry::Variant| match v.id.as_str() {
        "mma/m16_k16" => Some(132),
        _ => Some(8 * 132),
    };
    let choice = choose(&down, Some(&table), &registry(), &mut h200).unwrap();
    assert_eq!(choice.variant, "dot/m4_r2u2_xw", "{choice:?}");
    // Where a grid of one round is emptier than on the neighbours, nothing is charged: the
    // same kernel with 8 blocks a SM keeps the choice.
    let mut roomy = |_: &crate::registry::Variant| Some(8 * 132);
    let choice = choose(&down, Some(&table), &registry(), &mut roomy).unwrap();
    assert_eq!(choice.variant, "mma/m16_k16", "{choice:?}");
    // A tuned shape keeps its measured winner whatever the slots.
    let tuned = problem(4, 896, 4864, Epilogue::None);
    let choice = choose(&tuned, Some(&table), &registry(), &mut h200).unwrap();
    assert_eq!(choice.variant, "mma/m16_k16");
}
