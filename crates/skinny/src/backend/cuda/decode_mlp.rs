//! `skinny decode`'s skinny-graph-pdl-mlp mode: the PDL chain with each layer's gate_up and down
//! in one kernel (mlp.cu), so a layer has three kernel boundaries instead of four.
//!
//! Down's output is an f32 accumulator per layer; the product that reads it (the next layer's
//! qkv, or lm_head) is the PDL plan's own variant built to read x as f32 (gemv.cu's X_F32).
//! Every layer's accumulator lies in one allocation, zeroed by one memset at the start of the
//! step (inside its graph, so the mode's time includes it). Down's weights are transposed once,
//! at setup.

use std::sync::Arc;

use cudarc::driver::{result as drv, CudaFunction, CudaSlice, CudaStream};

use super::decode::{check_chain, outputs, poison, read_outputs, DecodeSettings, PlanSet, Weights};
use super::dispatcher::{Dispatcher, MatmulPlan};
use super::mlp::{FusedMlp, MlpOperands, MlpShape};
use super::timing::{capture, time_graph_replay};
use super::{device_ptr, Operands};
use crate::backend::RunError;
use crate::decode::{Chain, ChainCheck, Input};
use crate::measure::Stats;
use crate::problem::{Epilogue, Layout};

/// The mode's name in the results.
pub const MODE: &str = "skinny-graph-pdl-mlp";

/// Why the chain cannot run with fused MLPs, or its MLP shape.
pub fn mlp_shape(chain: &Chain) -> Result<MlpShape, String> {
    let step = |role: &str| {
        chain
            .steps
            .iter()
            .find(|s| s.role == role)
            .ok_or_else(|| format!("the chain has no {role}"))
    };
    let (gate_up, down) = (step("gate_up")?, step("down")?);
    if chain.m != 1 {
        return Err(format!("m = {} (the fused MLP runs m = 1)", chain.m));
    }
    for s in [gate_up, down] {
        let p = &s.problem;
        if p.layout() != Layout::Nt || p.epilogue() != Epilogue::None {
            return Err(format!(
                "{} is {p} (the fused MLP runs nt products without bias)",
                s.role
            ));
        }
    }
    let shape = MlpShape {
        n1: gate_up.problem.n(),
        k1: gate_up.problem.k(),
        k2: down.problem.k(),
        n2: down.problem.n(),
    };
    match shape.unfit() {
        Some(why) => Err(why),
        None => Ok(shape),
    }
}

/// What the mode runs, set up once: the kernel, down's weights transposed, the accumulators,
/// the outputs, and every other product's plan and operands.
struct FusedChain {
    mlp: FusedMlp,
    /// Per layer.
    _w2t: Vec<CudaSlice<u8>>,
    /// Every layer's accumulator, n2 f32 each, one after another.
    acc: CudaSlice<f32>,
    n2: usize,
    out: Vec<CudaSlice<u8>>,
    /// Per step: what it launches.
    launches: Vec<Launch>,
}

enum Launch {
    Plan {
        plan: usize,
        ops: Operands,
    },
    Mlp(MlpOperands),
    /// Down: done by the layer's fused MLP.
    None,
}

/// The mode's plans: the PDL set's, and for each product that reads down's output, the same
/// variant reading f32 x.
struct Plans<'a> {
    pdl: &'a PlanSet,
    f32_x: Vec<MatmulPlan>,
}

impl FusedChain {
    fn issue(&self, stream: &CudaStream, plans: &Plans) -> Result<(), String> {
        // SAFETY: the whole of a live allocation of this stream's context.
        unsafe {
            drv::memset_d8_async(
                device_ptr(stream, &self.acc),
                0,
                self.acc.len() * 4,
                stream.cu_stream(),
            )
        }
        .map_err(|e| format!("zeroing the accumulators: {e}"))?;
        for (i, launch) in self.launches.iter().enumerate() {
            // SAFETY: the operands were made for these plans and the kernel from this chain's
            // live buffers (`set_up`), of its sizes and dtype.
            let done = match launch {
                Launch::Plan { plan, ops } => {
                    let plan = match *plan {
                        p if p < plans.pdl.plans.len() => &plans.pdl.plans[p],
                        p => &plans.f32_x[p - plans.pdl.plans.len()],
                    };
                    unsafe { plan.launch(stream, *ops) }
                }
                Launch::Mlp(ops) => unsafe { self.mlp.launch(stream, ops) },
                Launch::None => Ok(()),
            };
            done.map_err(|e| format!("step {i}: {e}"))?;
        }
        Ok(())
    }

    /// Every step's output as the chain check reads it: down's from its f32 accumulator.
    fn read(&self, stream: &Arc<CudaStream>, chain: &Chain) -> Result<Vec<Vec<f64>>, String> {
        let mut got = read_outputs(stream, chain, &self.out)?;
        let acc = stream
            .clone_dtoh(&self.acc)
            .map_err(|e| format!("copying the accumulators back: {e}"))?;
        for (step, values) in chain.steps.iter().zip(got.iter_mut()) {
            if let (Some(layer), "down") = (step.layer, step.role.as_str()) {
                let mine = &acc[layer * self.n2..(layer + 1) * self.n2];
                *values = mine.iter().copied().map(f64::from).collect();
            }
        }
        Ok(got)
    }
}

fn set_up(
    dispatcher: &mut Dispatcher,
    chain: &Chain,
    weights: &Weights,
    pdl: &PlanSet,
    blocks_per_sm: Option<u32>,
) -> Result<(FusedChain, Vec<MatmulPlan>), String> {
    let shape = mlp_shape(chain)?;
    let stream = dispatcher.stream().clone();
    let dtype = chain.steps[0].problem.dtype();
    let mlp = dispatcher
        .backend_mut()
        .fused_mlp(dtype, shape, blocks_per_sm)
        .map_err(|e| e.message)?;
    let out = outputs(&stream, chain)?;
    let zeros = |count: usize, what: &str| {
        stream
            .alloc_zeros::<u8>(count)
            .map_err(|e| format!("allocating {what}: {e}"))
    };
    let mut w2t = Vec::with_capacity(chain.layers);
    let acc = stream
        .alloc_zeros::<f32>(chain.layers * shape.n2)
        .map_err(|e| format!("allocating the accumulators: {e}"))?;
    // Layer l's accumulator (n2 is a multiple of 8: every one 32-byte aligned).
    let acc_of = |layer: usize| device_ptr(&stream, &acc) + (layer * shape.n2 * 4) as u64;
    for layer in 0..chain.layers {
        let down = chain
            .steps
            .iter()
            .position(|s| s.layer == Some(layer) && s.role == "down")
            .ok_or_else(|| format!("layer {layer} has no down"))?;
        let t = zeros(shape.k2 * shape.n2 * 2, "down's weights transposed")?;
        // SAFETY: both of n2·k2 elements of the chain's dtype.
        unsafe {
            mlp.transpose(
                &stream,
                device_ptr(&stream, &weights.w[down]),
                device_ptr(&stream, &t),
            )
        }
        .map_err(|e| e.message)?;
        w2t.push(t);
    }
    let down_layer = |step: usize| {
        let s = &chain.steps[step];
        (s.role == "down").then_some(s.layer).flatten()
    };
    let mut f32_x = Vec::new();
    let mut launches = Vec::with_capacity(chain.steps.len());
    for (i, step) in chain.steps.iter().enumerate() {
        let ptr = |b: &CudaSlice<u8>| device_ptr(&stream, b);
        let x_from = |input: Input| match input {
            Input::Tokens => ptr(&weights.tokens),
            Input::Output { step } => match down_layer(step) {
                Some(layer) => acc_of(layer),
                None => ptr(&out[step]),
            },
        };
        let launch = match (step.role.as_str(), step.layer) {
            ("down", _) => Launch::None,
            ("gate_up", Some(layer)) => Launch::Mlp(MlpOperands {
                x: x_from(step.input),
                w1: ptr(&weights.w[i]),
                w2t: ptr(&w2t[layer]),
                y1: ptr(&out[i]),
                acc: acc_of(layer),
            }),
            _ => {
                let ops = Operands {
                    x: x_from(step.input),
                    w: ptr(&weights.w[i]),
                    y: ptr(&out[i]),
                    bias: weights.bias[i].as_ref().map_or(0, ptr),
                };
                let plan = match step.input {
                    Input::Output { step } if down_layer(step).is_some() => {
                        f32_x.push(
                            dispatcher
                                .plan_with_f32_x(&pdl.plans[pdl.step_plan[i]])
                                .map_err(|e| format!("{}: {e}", step_name(chain, i)))?,
                        );
                        pdl.plans.len() + f32_x.len() - 1
                    }
                    _ => pdl.step_plan[i],
                };
                Launch::Plan { plan, ops }
            }
        };
        launches.push(launch);
    }
    Ok((
        FusedChain {
            mlp,
            _w2t: w2t,
            acc,
            n2: shape.n2,
            out,
            launches,
        },
        f32_x,
    ))
}

fn step_name(chain: &Chain, i: usize) -> String {
    let s = &chain.steps[i];
    match s.layer {
        Some(layer) => format!("layer {layer} {}", s.role),
        None => s.role.clone(),
    }
}

/// The mode, checked and timed: captured into a graph, replayed once (so that the accumulators
/// hold a step's sums), then on poisoned outputs once more (the step's memset must clear them;
/// this replay is the one checked), then timed as the other graph modes are. Also returns the
/// fused MLP's blocks.
pub(super) fn measure_fused_mlp(
    dispatcher: &mut Dispatcher,
    spin: &CudaFunction,
    chain: &Chain,
    weights: &Weights,
    reference: &[Vec<f64>],
    pdl: &PlanSet,
    settings: &DecodeSettings,
) -> Result<(ChainCheck, Stats, u32), String> {
    let stream = dispatcher.stream().clone();
    let (fused, f32_x) = set_up(dispatcher, chain, weights, pdl, settings.mlp_blocks_per_sm)?;
    let plans = Plans { pdl, f32_x };
    let graph = capture(&stream, || {
        fused.issue(&stream, &plans).map_err(RunError::new)
    })
    .map_err(|e| format!("capturing the step: {e}"))?;
    let replay = || {
        graph
            .launch()
            .map_err(|e| format!("replaying the graph: {e}"))
    };
    replay()?;
    poison(&stream, &fused.out)?;
    replay()?;
    let got = fused.read(&stream, chain)?;
    let check = check_chain(chain, &got, reference);
    let per_token_us =
        time_graph_replay(&stream, spin, &settings.rule, &graph).map_err(|e| e.message)?;
    Ok((check, per_token_us, fused.mlp.blocks()))
}

#[cfg(test)]
mod tests {
    use super::mlp_shape;
    use crate::decode::Chain;
    use crate::shapes::embedded_set;

    fn chain(model: &str, m: usize) -> Chain {
        let set = embedded_set(model).expect("a built-in model");
        Chain::from_set(&set, m).expect("it chains")
    }

    #[test]
    fn qwen_has_an_mlp_shape_at_one_row_only_and_llama_none() {
        let qwen = mlp_shape(&chain("qwen2.5-0.5b", 1)).unwrap();
        assert_eq!((qwen.n1, qwen.k1, qwen.k2, qwen.n2), (9728, 896, 4864, 896));
        // Llama's hidden size is past what a block's threads cover.
        let why = mlp_shape(&chain("llama-3-8b", 1)).unwrap_err();
        assert!(why.contains("down's n (4096)"), "{why}");
        let why = mlp_shape(&chain("qwen2.5-0.5b", 2)).unwrap_err();
        assert!(why.contains("m = 2"), "{why}");
    }
}
