//! The plan: every (shape, variant) pair becomes either a run or a coverage gap with reasons.
//!
//! Gaps are first-class results, stored and shown like runs: a kernel that cannot handle a shape
//! is as much a finding as a slow one. The reasons say what would have to change.

use serde::{Deserialize, Serialize};

use crate::problem::{Epilogue, Problem};
use crate::registry::{Capabilities, Variant};
use crate::shapes::Shape;

/// Why a variant cannot run a problem; empty when it can.
pub fn unsupported_reasons(problem: &Problem, caps: &Capabilities) -> Vec<String> {
    let mut reasons = Vec::new();
    let list = |items: Vec<&str>| items.join(", ");

    if !caps.layouts.contains(&problem.layout()) {
        reasons.push(format!(
            "layout {} not supported (variant takes {})",
            problem.layout(),
            list(caps.layouts.iter().map(|l| l.name()).collect())
        ));
    }
    if !caps.dtypes.contains(&problem.dtype()) {
        reasons.push(format!(
            "dtype {} not supported (variant takes {})",
            problem.dtype(),
            list(caps.dtypes.iter().map(|d| d.name()).collect())
        ));
    }
    match problem.epilogue() {
        Epilogue::Bias if !caps.bias => reasons.push("bias epilogue not supported".into()),
        Epilogue::Axpby { .. } if !caps.accumulate => {
            reasons.push("accumulate (axpby) epilogue not supported".into())
        }
        _ => {}
    }
    if caps.bias_only && problem.epilogue() != Epilogue::Bias {
        reasons.push(format!(
            "the variant runs bias problems only (this one has epilogue {})",
            problem.epilogue().name()
        ));
    }
    let (m, n, k) = (problem.m(), problem.n(), problem.k());
    if m < caps.m_min {
        reasons.push(format!(
            "m = {m} is below the variant's m_min = {}",
            caps.m_min
        ));
    }
    if let Some(m_max) = caps.m_max {
        if m > m_max {
            reasons.push(format!("m = {m} exceeds the variant's m_max = {m_max}"));
        }
    }
    if let Some(n_max) = caps.n_max {
        if n > n_max {
            reasons.push(format!("n = {n} exceeds the variant's n_max = {n_max}"));
        }
    }
    if k < caps.k_min {
        reasons.push(format!(
            "k = {k} is below the variant's k_min = {} (no small-K path)",
            caps.k_min
        ));
    }
    if let Some(k_max) = caps.k_max {
        if k > k_max {
            reasons.push(format!(
                "k = {k} exceeds the variant's k_max = {k_max} (a row of W must fit its buffer)"
            ));
        }
    }
    if k % caps.k_multiple != 0 {
        reasons.push(format!("k = {k} is not a multiple of {}", caps.k_multiple));
    }
    if n % caps.n_multiple != 0 {
        reasons.push(format!("n = {n} is not a multiple of {}", caps.n_multiple));
    }
    if let Some(values) = &caps.n_values {
        if !values.contains(&n) {
            let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            reasons.push(format!(
                "n = {n} is not one of the variant's n values [{}]",
                shown.join(", ")
            ));
        }
    }
    reasons
}

/// What the plan decided for one (shape, variant) pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Run,
    Gap { reasons: Vec<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanItem {
    pub shape: usize,
    pub variant: usize,
    pub decision: Decision,
}

/// Indices into the shapes and variants it was built from; one item per pair, shape-major.
#[derive(Clone, Debug)]
pub struct Plan {
    pub items: Vec<PlanItem>,
}

impl Plan {
    pub fn build(shapes: &[Shape], variants: &[Variant]) -> Plan {
        let mut items = Vec::with_capacity(shapes.len() * variants.len());
        for (s, shape) in shapes.iter().enumerate() {
            for (v, variant) in variants.iter().enumerate() {
                let reasons = unsupported_reasons(&shape.problem, &variant.supports);
                let decision = if reasons.is_empty() {
                    Decision::Run
                } else {
                    Decision::Gap { reasons }
                };
                items.push(PlanItem {
                    shape: s,
                    variant: v,
                    decision,
                });
            }
        }
        Plan { items }
    }

    pub fn runs(&self) -> impl Iterator<Item = &PlanItem> {
        self.items
            .iter()
            .filter(|i| matches!(i.decision, Decision::Run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Dtype, Layout};
    use crate::registry::BackendKind;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn arb_problem() -> impl Strategy<Value = Problem> {
        (
            1usize..40,
            1usize..300,
            1usize..300,
            prop::sample::select(Layout::ALL.to_vec()),
            prop::sample::select(Dtype::ALL.to_vec()),
            0u8..3,
        )
            .prop_map(|(m, n, k, layout, dtype, e)| {
                let epilogue = match e {
                    0 => Epilogue::None,
                    1 => Epilogue::Bias,
                    _ => Epilogue::Axpby {
                        alpha: 1.0,
                        beta: 0.5,
                    },
                };
                Problem::new(m, n, k, layout, dtype, epilogue).unwrap()
            })
    }

    fn arb_caps() -> impl Strategy<Value = Capabilities> {
        (
            prop::sample::subsequence(Layout::ALL.to_vec(), 1..=2),
            prop::sample::subsequence(Dtype::ALL.to_vec(), 1..=3),
            (any::<bool>(), any::<bool>()),
            any::<bool>(),
            1usize..8,
            prop::option::of(1usize..40),
            prop::option::of(1usize..300),
            (1usize..64, prop::option::of(1usize..300)),
            prop::sample::select(vec![1usize, 2, 8, 16, 64]),
            prop::sample::select(vec![1usize, 4, 8]),
            prop::option::of(prop::collection::vec(1usize..300, 1..4)),
        )
            .prop_map(
                |(
                    layouts,
                    dtypes,
                    (bias, bias_only),
                    accumulate,
                    m_min,
                    m_max,
                    n_max,
                    (k_min, k_max),
                    k_mul,
                    n_mul,
                    n_values,
                )| {
                    Capabilities {
                        layouts,
                        dtypes,
                        bias: bias || bias_only,
                        bias_only,
                        accumulate,
                        m_min,
                        m_max: m_max.map(|m| m.max(m_min)),
                        n_max,
                        k_min,
                        k_max: k_max.map(|k| k.max(k_min)),
                        k_multiple: k_mul,
                        n_multiple: if n_values.is_some() { 1 } else { n_mul },
                        n_values,
                    }
                },
            )
    }

    /// The capability rule written out independently of `unsupported_reasons`.
    fn admits(p: &Problem, c: &Capabilities) -> bool {
        c.layouts.contains(&p.layout())
            && c.dtypes.contains(&p.dtype())
            && match p.epilogue() {
                Epilogue::None => !c.bias_only,
                Epilogue::Bias => c.bias,
                Epilogue::Axpby { .. } => c.accumulate && !c.bias_only,
            }
            && p.m() >= c.m_min
            && c.m_max.is_none_or(|mx| p.m() <= mx)
            && c.n_max.is_none_or(|nx| p.n() <= nx)
            && p.k() >= c.k_min
            && c.k_max.is_none_or(|kx| p.k() <= kx)
            && p.k() % c.k_multiple == 0
            && p.n() % c.n_multiple == 0
            && c.n_values.as_ref().is_none_or(|v| v.contains(&p.n()))
    }

    fn variant(i: usize, supports: Capabilities) -> Variant {
        Variant {
            id: format!("test/v{i}"),
            backend: BackendKind::Cpu,
            kernel: "cpu_naive".into(),
            description: String::new(),
            params: BTreeMap::new(),
            supports,
        }
    }

    proptest! {
        #[test]
        fn every_pair_is_exactly_one_run_or_gap_and_runs_respect_capabilities(
            problems in prop::collection::vec(arb_problem(), 1..6),
            caps in prop::collection::vec(arb_caps(), 1..6),
        ) {
            let shapes: Vec<Shape> = problems.iter().enumerate().map(|(i, p)| Shape {
                set: "t".into(), name: format!("s{i}"), problem: *p,
            }).collect();
            let variants: Vec<Variant> =
                caps.into_iter().enumerate().map(|(i, c)| variant(i, c)).collect();
            let plan = Plan::build(&shapes, &variants);
            prop_assert_eq!(plan.items.len(), shapes.len() * variants.len());
            for (s, shape) in shapes.iter().enumerate() {
                for (v, variant) in variants.iter().enumerate() {
                    let matching: Vec<&PlanItem> = plan.items.iter()
                        .filter(|i| i.shape == s && i.variant == v).collect();
                    prop_assert_eq!(matching.len(), 1);
                    let admitted = admits(&shape.problem, &variant.supports);
                    match &matching[0].decision {
                        Decision::Run => prop_assert!(admitted),
                        Decision::Gap { reasons } => {
                            prop_assert!(!admitted);
                            prop_assert!(!reasons.is_empty());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn gap_reasons_say_what_to_change() {
        let caps = Capabilities {
            layouts: vec![Layout::Nt],
            dtypes: vec![Dtype::Bf16],
            bias: false,
            bias_only: false,
            accumulate: false,
            m_min: 1,
            m_max: Some(8),
            n_max: Some(4),
            k_min: 64,
            k_max: Some(512),
            k_multiple: 64,
            n_multiple: 1,
            n_values: Some(vec![8, 16]),
        };
        let p = Problem::new(16, 9, 1000, Layout::Nn, Dtype::F32, Epilogue::Bias).unwrap();
        let reasons = unsupported_reasons(&p, &caps);
        assert_eq!(
            reasons,
            [
                "layout nn not supported (variant takes nt)",
                "dtype f32 not supported (variant takes bf16)",
                "bias epilogue not supported",
                "m = 16 exceeds the variant's m_max = 8",
                "n = 9 exceeds the variant's n_max = 4",
                "k = 1000 exceeds the variant's k_max = 512 (a row of W must fit its buffer)",
                "k = 1000 is not a multiple of 64",
                "n = 9 is not one of the variant's n values [8, 16]",
            ]
        );
    }
}
