//! The matmul chain of one decode step, and what `skinny decode` reports about it.
//!
//! Per layer: qkv (+ bias where the model has it), o, fused gate+up, down; then lm_head once.
//! Each layer's weights are distinct, so a step reads every weight byte from HBM as a real decode
//! step does. The products are chained through their outputs so that each waits on the one
//! before, as in a model: o reads the first m·k values of qkv's output (standing in for
//! attention), gate_up reads o's output, down reads the first m·k values of gate_up's output
//! (standing in for the activation), the next layer's qkv reads down's output, and lm_head reads
//! the last layer's. Attention, norms and residuals are not matmuls and are left out.

use serde::{Deserialize, Serialize};

use crate::measure::Stats;
use crate::problem::{Epilogue, Problem};
use crate::reference::ErrorReport;
use crate::shapes::ShapeSet;

/// The per-layer roles in the order a layer runs them, then the once-per-step role.
pub const LAYER_ROLES: [&str; 4] = ["qkv", "o", "gate_up", "down"];
pub const HEAD_ROLE: &str = "lm_head";

/// Where a step's x comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// The step's token activations (the chain's input).
    Tokens,
    /// The first m·k values of an earlier step's output.
    Output { step: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainStep {
    /// `None` for lm_head.
    pub layer: Option<usize>,
    pub role: String,
    pub problem: Problem,
    pub input: Input,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    pub model: String,
    pub layers: usize,
    pub m: usize,
    pub steps: Vec<ChainStep>,
}

impl Chain {
    /// The chain of `set` at `m` rows. The set must name its layer count and have the five
    /// roles with sizes that chain (o's k at most qkv's n, gate_up's k equal to o's n, down's k
    /// at most gate_up's n, qkv's and lm_head's k equal to down's n).
    pub fn from_set(set: &ShapeSet, m: usize) -> Result<Chain, String> {
        let layers = set.layers.ok_or_else(|| {
            format!(
                "shape set '{}' does not say how many layers the model has (layers = N in the \
                 set file, num_hidden_layers in a config.json)",
                set.name
            )
        })?;
        let role = |name: &str| -> Result<Problem, String> {
            let shape = set
                .shapes
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| format!("shape set '{}' has no '{name}' shape", set.name))?;
            shape
                .problem
                .with_m(m)
                .map_err(|e| format!("{}/{name} at m = {m}: {e}", set.name))
        };
        let [qkv, o, gate_up, down] = [role("qkv")?, role("o")?, role("gate_up")?, role("down")?];
        let lm_head = role(HEAD_ROLE)?;
        let all = [qkv, o, gate_up, down, lm_head];
        if all.iter().any(|p| p.dtype() != qkv.dtype()) {
            return Err(format!(
                "shape set '{}' mixes dtypes; a chain runs at one (--dtype re-types it)",
                set.name
            ));
        }
        if let Some(p) = all
            .iter()
            .find(|p| matches!(p.epilogue(), Epilogue::Axpby { .. }))
        {
            return Err(format!(
                "shape set '{}' has an accumulating (axpby) product ({p}); a decode chain's \
                 products write fresh outputs (none or bias)",
                set.name
            ));
        }
        let hidden = down.n();
        let rules = [
            (o.k() <= qkv.n(), "o's k must be at most qkv's n"),
            (gate_up.k() == o.n(), "gate_up's k must equal o's n"),
            (
                down.k() <= gate_up.n(),
                "down's k must be at most gate_up's n",
            ),
            (
                qkv.k() == hidden,
                "qkv's k must equal down's n (the hidden size)",
            ),
            (
                lm_head.k() == hidden,
                "lm_head's k must equal down's n (the hidden size)",
            ),
        ];
        if let Some((_, rule)) = rules.iter().find(|(ok, _)| !ok) {
            return Err(format!(
                "shape set '{}' does not chain as a decode step: {rule}",
                set.name
            ));
        }
        let mut steps = Vec::with_capacity(4 * layers + 1);
        for layer in 0..layers {
            for (name, problem) in LAYER_ROLES.iter().zip([qkv, o, gate_up, down]) {
                let input = match steps.len() {
                    0 => Input::Tokens,
                    previous => Input::Output { step: previous - 1 },
                };
                steps.push(ChainStep {
                    layer: Some(layer),
                    role: name.to_string(),
                    problem,
                    input,
                });
            }
        }
        steps.push(ChainStep {
            layer: None,
            role: HEAD_ROLE.into(),
            problem: lm_head,
            input: Input::Output {
                step: steps.len() - 1,
            },
        });
        Ok(Chain {
            model: set.name.clone(),
            layers,
            m,
            steps,
        })
    }

    /// Every weight byte of the step (each layer's own copy).
    pub fn weight_bytes(&self) -> u64 {
        self.steps.iter().map(|s| s.problem.weight_bytes()).sum()
    }

    /// The time floor of one step: its weight bytes over the read bandwidth.
    pub fn floor_us(&self, read_gbps: f64) -> f64 {
        self.weight_bytes() as f64 / (read_gbps * 1e3)
    }

    /// The distinct problems of the chain, in first-use order.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out: Vec<Problem> = Vec::new();
        for step in &self.steps {
            if !out.contains(&step.problem) {
                out.push(step.problem);
            }
        }
        out
    }

    /// For each step, the index of its problem in [`Chain::problems`].
    pub fn step_problems(&self) -> Vec<usize> {
        let problems = self.problems();
        self.steps
            .iter()
            .map(|s| {
                problems
                    .iter()
                    .position(|p| *p == s.problem)
                    .expect("every step's problem is among the chain's problems")
            })
            .collect()
    }

    /// The pairs of problems (indexes in [`Chain::problems`]) whose steps follow each other
    /// somewhere in the chain, each pair once, in the order first met: the neighbours whose
    /// kernels overlap under PDL.
    pub fn neighbour_problems(&self) -> Vec<(usize, usize)> {
        let steps = self.step_problems();
        let mut out: Vec<(usize, usize)> = Vec::new();
        for w in steps.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a != b && !out.contains(&(a, b)) && !out.contains(&(b, a)) {
                out.push((a, b));
            }
        }
        out
    }
}

/// How the chain was issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue {
    /// The host launches every product of the step.
    Eager,
    /// The step is captured once into a CUDA graph and replayed.
    Graph,
}

/// One way of running the chain and its time per token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModeResult {
    /// `cublas-eager`, `skinny-graph-pdl`, ...
    pub mode: String,
    pub issue: Issue,
    /// `cublas` (cuBLAS GEMM, cuBLASLt where there is a bias) or `skinny` (dispatch).
    pub library: String,
    pub pdl: bool,
    /// Device time per token, µs: events around one graph replay queued behind a spin (graph
    /// modes, GPU time as the probe's graph figures), or around the step as the host issues it
    /// (eager modes, whose cost is the host's launches).
    pub per_token_us: Stats,
    /// The median over the floor (1.0 = at the floor).
    pub times_floor: f64,
    /// The floor over the median, percent: the read bandwidth reached over the whole chain.
    pub pct_of_floor: f64,
    /// The whole chain's output against the cuBLAS eager chain's, step by step.
    pub chain_check: ChainCheck,
}

impl ModeResult {
    /// A timed mode, its ratios to the floor (`floor_us`) worked out from its median.
    pub fn new(
        mode: String,
        issue: Issue,
        library: &str,
        pdl: bool,
        per_token_us: Stats,
        floor_us: f64,
        chain_check: ChainCheck,
    ) -> ModeResult {
        let median = per_token_us.median;
        ModeResult {
            mode,
            issue,
            library: library.into(),
            pdl,
            per_token_us,
            times_floor: median / floor_us,
            pct_of_floor: 100.0 * floor_us / median,
            chain_check,
        }
    }
}

/// A whole chain compared with the cuBLAS eager chain. Both round each product to the dtype,
/// so differences grow along the chain; `bound` allows for that (the per-product bound times
/// the square root of the number of products), and a race or a missed wait is far outside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainCheck {
    /// Relative Frobenius error of each step's output.
    pub step_errors: Vec<f64>,
    pub worst_step: usize,
    pub worst_error: f64,
    pub bound: f64,
    pub passed: bool,
}

/// Which variant dispatch chose for one product of the chain, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepChoice {
    pub role: String,
    pub problem: Problem,
    pub variant: String,
    pub reason: crate::dispatch::Reason,
    /// The product alone on the cuBLAS chain's input, against the cuBLAS chain's output.
    pub check: ErrorReport,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecodeOutcome {
    pub chain: Chain,
    pub weight_bytes: u64,
    pub read_gbps: f64,
    pub floor_us: f64,
    pub table_status: String,
    pub choices: Vec<StepChoice>,
    /// The same for the plans of the PDL modes (a table's chain picks, or the same variants),
    /// each checked alone as its PDL build.
    #[serde(default)]
    pub pdl_choices: Vec<StepChoice>,
    pub modes: Vec<ModeResult>,
    /// The chain's weights read product by product, one read kernel a product (no arithmetic),
    /// replayed from a graph: what any one-kernel-a-product chain costs at least, µs a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_chain_us: Option<Stats>,
    /// Where the persistent kernel's time went, product by product (with `--persistent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_trace: Option<Vec<ProductTrace>>,
    /// The chain search that chose the PDL modes' variants (with `--tune-chain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_tuning: Option<ChainTuning>,
}

/// A model `skinny decode` could not finish: the others still run and are written, and the
/// command fails at the end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecodeFailure {
    pub model: String,
    pub m: usize,
    /// What failed: "chain search" or "decode".
    pub stage: String,
    pub error: String,
}

impl DecodeFailure {
    /// `chain`'s failure at `stage`.
    pub fn of(chain: &Chain, stage: &str, error: String) -> DecodeFailure {
        DecodeFailure {
            model: chain.model.clone(),
            m: chain.m,
            stage: stage.into(),
            error,
        }
    }
}

/// A search for the per-problem variants that make the chain fastest under PDL in a graph
/// (`dispatch::chain`), starting from the table's choices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainTuning {
    /// Chains built, checked and timed, and passes over the problems.
    pub evaluations: usize,
    pub passes: usize,
    /// Joint changes of two neighbouring products that the search kept.
    #[serde(default)]
    pub joint_moves: usize,
    /// µs a token of the starting choice and of the picks as the search last timed them.
    pub search_start_us: f64,
    pub search_best_us: f64,
    /// µs a token of the starting choice and of the picks in the closing comparison (medians
    /// over interleaved rounds): the figures the picks are kept or dropped on.
    pub start_us: f64,
    pub tuned_us: f64,
    /// Whether the picks were faster in the closing comparison by more than the search's margin;
    /// if not, the table records the starting choice as the chain's pick.
    pub kept: bool,
    pub picks: Vec<ChainTuningPick>,
    /// Candidates whose chain failed its check or would not run, and why.
    pub failures: Vec<String>,
}

impl ChainTuning {
    /// What to record in a table for each problem: the pick if kept, else the starting choice.
    pub fn table_picks(&self, model: &str) -> Vec<(Problem, crate::dispatch::ChainPick)> {
        self.picks
            .iter()
            .map(|p| {
                let (variant, chain_us) = if self.kept {
                    (&p.pick, self.tuned_us)
                } else {
                    (&p.start, self.start_us)
                };
                let pick = crate::dispatch::ChainPick {
                    model: model.to_string(),
                    variant: variant.clone(),
                    chain_us,
                    tried: p.tried.clone(),
                };
                (p.problem, pick)
            })
            .collect()
    }
}

/// One problem of a chain search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainTuningPick {
    pub problem: Problem,
    /// The variant the search started from, and the one it picked.
    pub start: String,
    pub pick: String,
    /// Candidates the search had for it.
    pub candidates: usize,
    /// µs a token of the chain with each candidate tried (the others as they stood then; for a
    /// kept joint change, with its neighbour's candidate changed too).
    pub tried: std::collections::BTreeMap<String, f64>,
}

/// Where one product's time went inside the persistent chain kernel, from the stamps its blocks
/// record (persistent.cu, "Trace"). Times in µs, means over the blocks (the stamps tick about
/// once a microsecond; a mean of many is finer than one, a median is not).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductTrace {
    pub step: usize,
    pub role: String,
    /// When the product's input was complete (the last block wrote its rows of the product
    /// before; for the first product, the first block's start), from the first stamp of the run.
    pub input_ready_us: f64,
    /// From then until the last block had written this product's rows: its span on the
    /// critical path.
    pub span_us: f64,
    /// From input ready until a block had x staged (the input's way through L2).
    pub staged_after_us: f64,
    /// From a block beginning the product to x staged (waiting for the input included).
    pub stage_x_us: f64,
    /// Working the block's rows once x was staged: mean and slowest block.
    pub rows_us: f64,
    pub rows_max_us: f64,
    /// Of which: from x staged until the product's first stage had landed (blocks with rows).
    pub first_stage_us: f64,
    /// And the waits of the slots' first warps for the product's stages to land, summed over the
    /// slots (blocks with rows; slots that wait at once count twice).
    pub stage_waits_us: f64,
    /// How long before x was staged the producer had issued the product's first copy (negative:
    /// after), over the blocks that own rows of it.
    pub producer_lead_us: f64,
    /// The same for its last copy.
    pub last_copy_lead_us: f64,
    /// From x staged until the block's last unit (tile or row) began its arithmetic, and from
    /// then until its outputs were written (blocks with rows).
    pub last_unit_start_us: f64,
    pub last_unit_us: f64,
}

/// Stamps a block records per product (persistent.cu's TRACE_STAMPS): begun, x staged, rows
/// written, first copy issued, last copy issued, first stage landed, the nanoseconds the stages'
/// owners waited for them, the last unit's arithmetic begun, its outputs written.
pub const TRACE_STAMPS: usize = 9;

/// The mean of `values`, NaN when there are none.
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// The per-product summary of a persistent run's stamps (nanoseconds, laid out block-major:
/// `stamps[(block · steps + product) · TRACE_STAMPS + which]`; a first-copy stamp of 0 means the
/// block owns no row of the product).
pub fn summarize_trace(
    chain: &Chain,
    blocks: usize,
    stamps: &[u64],
) -> Result<Vec<ProductTrace>, String> {
    let count = chain.steps.len();
    if stamps.len() != blocks * count * TRACE_STAMPS {
        return Err(format!(
            "a trace of {} stamps for {blocks} blocks and {count} products (expected {})",
            stamps.len(),
            blocks * count * TRACE_STAMPS
        ));
    }
    let at = |b: usize, p: usize, which: usize| stamps[(b * count + p) * TRACE_STAMPS + which];
    let origin = (0..blocks).map(|b| at(b, 0, 0)).min().unwrap_or(0);
    let us = |t: u64, from: u64| (t as f64 - from as f64) / 1e3;
    let done = |p: usize| (0..blocks).map(|b| at(b, p, 2)).max().unwrap_or(0);
    // The blocks with a stamp `which` of `p` (0: the block owns no row of `p`), and the mean
    // over them of the time from stamp `from` to it.
    let owners = move |p: usize, which: usize| (0..blocks).filter(move |&b| at(b, p, which) != 0);
    let over_owners = |p: usize, which: usize, from: usize| {
        mean(owners(p, which).map(|b| us(at(b, p, which), at(b, p, from))))
    };
    Ok((0..count)
        .map(|p| {
            let ready = if p == 0 { origin } else { done(p - 1) };
            let rows: Vec<f64> = (0..blocks).map(|b| us(at(b, p, 2), at(b, p, 1))).collect();
            ProductTrace {
                step: p,
                role: chain.steps[p].role.clone(),
                input_ready_us: us(ready, origin),
                span_us: us(done(p), ready),
                staged_after_us: mean((0..blocks).map(|b| us(at(b, p, 1), ready))),
                stage_x_us: mean((0..blocks).map(|b| us(at(b, p, 1), at(b, p, 0)))),
                rows_us: mean(rows.iter().copied()),
                rows_max_us: rows.iter().copied().fold(f64::NAN, f64::max),
                first_stage_us: over_owners(p, 5, 1),
                producer_lead_us: -over_owners(p, 3, 1),
                last_copy_lead_us: -over_owners(p, 4, 1),
                last_unit_start_us: over_owners(p, 7, 1),
                last_unit_us: over_owners(p, 8, 7),
                stage_waits_us: mean(owners(p, 3).map(|b| at(b, p, 6) as f64 / 1e3)),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::embedded_set;

    #[test]
    fn qwen_chain_has_every_layer_and_chains_through_outputs() {
        let set = embedded_set("qwen2.5-0.5b").unwrap();
        let chain = Chain::from_set(&set, 1).unwrap();
        assert_eq!(chain.layers, 24);
        assert_eq!(chain.steps.len(), 24 * 4 + 1);
        assert_eq!(chain.steps[0].input, Input::Tokens);
        for (i, step) in chain.steps.iter().enumerate().skip(1) {
            assert_eq!(step.input, Input::Output { step: i - 1 });
        }
        assert_eq!(chain.steps.last().unwrap().role, "lm_head");
        // 24 layers of (1152 + 896 + 9728)·896 + 896·4864 weights, plus 151936·896, in bf16.
        let per_layer = (1152 + 896 + 9728) * 896 + 896 * 4864;
        assert_eq!(
            chain.weight_bytes(),
            2 * (24 * per_layer + 151_936 * 896) as u64
        );
        // About 218 µs at 4.53 TB/s.
        let floor = chain.floor_us(4533.0);
        assert!((floor - 218.0).abs() < 1.0, "{floor}");
        assert_eq!(chain.problems().len(), 5);
        // qkv → o → gate_up → down → the next layer's qkv, and the last down → lm_head.
        assert_eq!(
            chain.neighbour_problems(),
            vec![(0, 1), (1, 2), (2, 3), (3, 0), (3, 4)]
        );
        let at8 = Chain::from_set(&set, 8).unwrap();
        assert!(at8.steps.iter().all(|s| s.problem.m() == 8));
    }

    #[test]
    fn a_trace_is_summarized_product_by_product() {
        let set = embedded_set("qwen2.5-0.5b").unwrap();
        let mut chain = Chain::from_set(&set, 1).unwrap();
        chain.steps.truncate(2);
        // Two blocks, two products; stamps in ns: begun, staged, rows written, first copy,
        // last copy, first stage landed, the stage waits' sum, last unit begun and written.
        let stamps: Vec<u64> = [
            [1_000, 1_500, 4_000, 500, 600, 1_600, 300, 1_700, 3_900], // block 0, product 0
            [6_000, 6_500, 8_000, 2_000, 2_100, 6_600, 200, 6_700, 7_900], // block 0, product 1
            [1_200, 1_700, 5_000, 0, 0, 0, 0, 0, 0], // block 1, product 0: no rows
            [5_600, 6_600, 9_000, 3_000, 3_100, 7_000, 400, 7_100, 8_900], // block 1, product 1
        ]
        .concat();
        assert!(summarize_trace(&chain, 3, &stamps).is_err());
        let trace = summarize_trace(&chain, 2, &stamps).unwrap();
        assert_eq!(trace.len(), 2);
        let first = &trace[0];
        assert_eq!(first.role, "qkv");
        assert_eq!(first.input_ready_us, 0.0);
        assert_eq!(first.span_us, 4.0); // from 1000 to the last block done at 5000
        assert_eq!(first.rows_max_us, 3.3);
        // Only block 0 owns rows: staged at 1500, first copy at 500, first stage at 1600.
        assert_eq!(first.producer_lead_us, 1.0);
        assert_eq!(first.first_stage_us, 0.1);
        assert_eq!(first.last_copy_lead_us, 0.9);
        assert_eq!(first.stage_waits_us, 0.3);
        assert!((first.last_unit_start_us - 0.2).abs() < 1e-9);
        assert!((first.last_unit_us - 2.2).abs() < 1e-9);
        let second = &trace[1];
        assert_eq!(second.input_ready_us, 4.0);
        assert_eq!(second.span_us, 4.0); // 5000 to 9000
                                         // Staged 1.5 and 1.6 after 5000; staging took 0.5 and 1.0; rows 1.5 and 2.4.
        assert!((second.staged_after_us - 1.55).abs() < 1e-9);
        assert!((second.stage_x_us - 0.75).abs() < 1e-9);
        assert!((second.rows_us - 1.95).abs() < 1e-9);
    }

    #[test]
    fn sets_without_layers_or_roles_are_refused_with_the_reason() {
        let smoke = embedded_set("smoke").unwrap();
        let err = Chain::from_set(&smoke, 1).unwrap_err();
        assert!(err.contains("layers"), "{err}");
        let mut set = embedded_set("llama-3-8b").unwrap();
        set.shapes.retain(|s| s.name != "down");
        let err = Chain::from_set(&set, 1).unwrap_err();
        assert!(err.contains("no 'down' shape"), "{err}");
        let mut mixed = embedded_set("llama-3-8b").unwrap();
        mixed.shapes[1].problem = mixed.shapes[1]
            .problem
            .with_dtype(crate::problem::Dtype::F16);
        let err = Chain::from_set(&mixed, 1).unwrap_err();
        assert!(err.contains("mixes dtypes"), "{err}");
    }
}
