//! The five timing figures of a prepared CUDA run, and the device's ceilings.
//!
//! GPU figures are taken with device events around calls queued behind a spin kernel: while the
//! GPU spins, the host enqueues the whole batch, so the events measure back-to-back GPU time and
//! not how fast the host can launch (a small kernel runs faster than a launch can be submitted).
//! If the spin ends before the host has finished enqueuing, the sample is thrown away and the
//! spin lengthened.

use std::time::Instant;

use cudarc::driver::{
    result as drv, sys as drv_sys, CudaEvent, CudaFunction, CudaGraph, CudaStream, LaunchConfig,
    PushKernelArg,
};

use super::call::Call;
use super::{device_ptr, driver_error, launch_plain, launch_spin, CudaBackend, CudaRun, Helpers};
use crate::backend::{BandwidthCeiling, Ceilings, RunError, SizedRead};
use crate::measure::{gbps, sample_until_stable, Figure, Stats, StoppingRule, Timings};

/// A GPU sample covers at least this much GPU time.
const MIN_BATCH_GPU_US: f64 = 200.0;
/// Calls in one host-submit sample.
const SUBMIT_BATCH: usize = 32;
/// Most calls queued behind one spin: the driver's launch queue is finite, and a host blocked on
/// a full queue would defeat the spin. Rotation over the weight copies continues across samples.
const MAX_BATCH: usize = 256;
/// Doublings of the spin before a sample is given up on.
const MAX_SPIN_RETRIES: u32 = 6;
/// The longest spin timed work is queued behind.
const MAX_SPIN_NS: u64 = 100_000_000;
/// Empty kernels in the graph that measures the per-node cost.
const GRAPH_NODES: usize = 256;
/// Empty kernels queued behind one spin for the queued-kernel ceilings.
const QUEUED_EMPTY: u64 = 128;
/// Blocks a SM in the machine-filling empty grid (a GEMV-sized launch).
const GRID_BLOCKS_PER_SM: u32 = 8;
/// The copies of a sized read together exceed this many L2 sizes, as the probe's weights do.
const L2_PASSES: u64 = 3;
/// Loads a thread the sized reads try (the grid shrinks as they grow); the best is kept.
const READ_LOADS: [u64; 4] = [2, 4, 8, 16];
const READ_BLOCK: u32 = 256;
/// Launch shapes of the read-bandwidth ceiling; the best median is the ceiling.
const READ_GRIDS: &[ReadGrid] = &[
    ReadGrid::PerSm(4, 512),
    ReadGrid::PerSm(8, 256),
    ReadGrid::PerSm(16, 256),
    ReadGrid::OnePass(2),
    ReadGrid::OnePass(4),
];

/// The read kernel's two kinds of load (aux.cu): the ceilings take the best of both, since which
/// is faster depends on how the kernel is launched (thirty-seventh session: in a stream of cold
/// calls, loads allocated in L1 cost 0.3–0.5 µs a call more).
const READ_KINDS: [ReadLoads; 2] = [ReadLoads::NoL1, ReadLoads::Plain];

#[derive(Clone, Copy, Debug)]
enum ReadLoads {
    /// `ld.global.nc.L1::no_allocate` (skinny_read_bandwidth).
    NoL1,
    /// `__ldg` (skinny_read_bandwidth_l1).
    Plain,
}

impl ReadLoads {
    fn kernel(self, helpers: &Helpers) -> &CudaFunction {
        match self {
            ReadLoads::NoL1 => &helpers.read_bandwidth,
            ReadLoads::Plain => &helpers.read_bandwidth_l1,
        }
    }

    fn label(self) -> &'static str {
        match self {
            ReadLoads::NoL1 => "loads not allocated in L1",
            ReadLoads::Plain => "plain loads",
        }
    }
}

/// How the read-bandwidth kernel is launched over its buffer.
#[derive(Clone, Copy, Debug)]
enum ReadGrid {
    /// (blocks a SM, threads a block): a machine-sized grid striding over the buffer.
    PerSm(u32, u32),
    /// One pass with this many loads a thread, launched as the sized reads are
    /// ([`read_config`]; 3–4 % faster than the strided shapes over 4 GiB on the H200).
    OnePass(u64),
}

impl ReadGrid {
    fn config(self, sm_count: u32, bytes: u64) -> LaunchConfig {
        match self {
            ReadGrid::PerSm(per_sm, threads) => LaunchConfig {
                grid_dim: (sm_count * per_sm, 1, 1),
                block_dim: (threads, 1, 1),
                shared_mem_bytes: 0,
            },
            ReadGrid::OnePass(loads) => read_config(bytes, loads),
        }
    }

    fn label(self) -> String {
        match self {
            ReadGrid::PerSm(per_sm, threads) => format!("{per_sm}×{threads} a SM"),
            ReadGrid::OnePass(loads) => format!("one pass, {loads} loads a thread"),
        }
    }
}

pub(super) fn event(stream: &CudaStream) -> Result<CudaEvent, RunError> {
    stream
        .record_event(Some(drv_sys::CUevent_flags::CU_EVENT_DEFAULT))
        .map_err(|e| driver_error("recording an event", e))
}

pub(super) fn elapsed_us(start: &CudaEvent, end: &CudaEvent) -> Result<f64, RunError> {
    start
        .elapsed_ms(end)
        .map(|ms| ms as f64 * 1e3)
        .map_err(|e| driver_error("reading an event", e))
}

/// Capture `calls` into a graph on `stream`, ending the capture even when a call fails, and
/// upload it (so that the first replay is not slower than the others).
pub(super) fn capture(
    stream: &std::sync::Arc<CudaStream>,
    mut calls: impl FnMut() -> Result<(), RunError>,
) -> Result<CudaGraph, RunError> {
    stream
        .begin_capture(drv_sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
        .map_err(|e| driver_error("beginning a graph capture", e))?;
    let issued = calls();
    let ended = stream.end_capture(drv_sys::CUgraphInstantiate_flags(0));
    issued?;
    let graph = ended
        .map_err(|e| driver_error("ending a graph capture", e))?
        .ok_or_else(|| RunError::new("the graph capture recorded nothing"))?;
    graph
        .upload()
        .map_err(|e| driver_error("uploading the graph", e))?;
    Ok(graph)
}

/// Queue a spin of `spin_ns`, then whatever `launch` queues, between two events: the GPU time of
/// what `launch` queued, and whether the spin was still running once the host had queued it all
/// (only then are the host's launch gaps outside the time).
fn behind_spin(
    stream: &CudaStream,
    spin: &CudaFunction,
    spin_ns: u64,
    launch: impl FnOnce() -> Result<(), RunError>,
) -> Result<(f64, bool), RunError> {
    launch_spin(stream, spin, spin_ns)?;
    let start = event(stream)?;
    launch()?;
    let end = event(stream)?;
    // The spin is still running if the start event has not completed: then the GPU saw the
    // whole launch queued before it started.
    let spin_outlasted_launch = !start
        .try_is_complete()
        .map_err(|e| driver_error("querying the start event", e))?;
    Ok((elapsed_us(&start, &end)?, spin_outlasted_launch))
}

/// Replay `graph` once.
fn replay(graph: &CudaGraph) -> Result<(), RunError> {
    graph
        .launch()
        .map_err(|e| driver_error("replaying the graph", e))
}

/// GPU time per call of a graph of `calls` calls, replayed behind a fixed 50 µs spin so that the
/// host's graph launch (one host call) is not inside the timed region; unlike [`queued_us`], the
/// spin is not checked or lengthened.
fn replay_per_call_us(
    stream: &CudaStream,
    spin: &CudaFunction,
    graph: &CudaGraph,
    calls: usize,
) -> Result<f64, RunError> {
    let (us, _) = behind_spin(stream, spin, 50_000, || replay(graph))?;
    Ok(us / calls as f64)
}

/// GPU time of one replay of `graph` (a decode step) under the stopping rule, queued behind a
/// spin as the probe's graph figures are, so that the host's graph launch is never inside the
/// timed region. (Events around the launch alone gave the same figures on the H200, eleventh
/// session: the driver submitted the start event with the graph; the spin does not depend on
/// that.) A sample whose spin ended before the replay was enqueued is taken again with a longer
/// spin.
pub(super) fn time_graph_replay(
    stream: &CudaStream,
    spin: &CudaFunction,
    rule: &StoppingRule,
    graph: &CudaGraph,
) -> Result<Stats, RunError> {
    let mut spin_ns: u64 = 20_000;
    sample_until_stable(rule, || {
        queued_us(stream, spin, &mut spin_ns, 1, || replay(graph))
    })
}

/// GPU time per call of `batch` calls of `run` (one copy each) queued behind a spin.
fn queued_gpu_us(
    run: &CudaRun<'_>,
    spin: &CudaFunction,
    spin_ns: &mut u64,
    batch: usize,
    mut copy: impl FnMut() -> usize,
) -> Result<f64, RunError> {
    let stream = run.backend.stream.clone();
    queued_us(&stream, spin, spin_ns, batch, || run.launch(copy()))
}

/// GPU time per call of `batch` calls of `launch` queued behind a spin. `spin_ns` grows when it
/// proved too short for the host to enqueue the batch.
fn queued_us(
    stream: &CudaStream,
    spin: &CudaFunction,
    spin_ns: &mut u64,
    batch: usize,
    mut launch: impl FnMut() -> Result<(), RunError>,
) -> Result<f64, RunError> {
    let mut longest_ns = *spin_ns;
    for _ in 0..MAX_SPIN_RETRIES {
        let (us, spin_outlasted_enqueue) = behind_spin(stream, spin, *spin_ns, || {
            for _ in 0..batch {
                launch()?;
            }
            Ok(())
        })?;
        if spin_outlasted_enqueue {
            return Ok(us / batch as f64);
        }
        longest_ns = *spin_ns;
        *spin_ns = (*spin_ns * 2).min(MAX_SPIN_NS);
    }
    Err(RunError::new(format!(
        "the host could not queue {batch} call{} within a {} µs spin: GPU time would include launch gaps",
        if batch == 1 { "" } else { "s" },
        longest_ns / 1000
    )))
}

pub(super) fn measure_all(
    run: &mut CudaRun<'_>,
    copies: usize,
    rule: &StoppingRule,
) -> Result<Timings, RunError> {
    let stream = run.backend.stream.clone();
    let spin = run.spin.clone();
    let mut next = 0usize;
    let mut rotate = || {
        let c = next;
        next = (next + 1) % copies;
        c
    };

    // Warm up (module load, cuBLAS heuristics, clocks) and estimate one call's GPU time.
    for _ in 0..3 {
        run.launch(rotate())?;
    }
    run.sync("warming up")?;
    let start = event(&stream)?;
    for _ in 0..20 {
        run.launch(rotate())?;
    }
    let end = event(&stream)?;
    let estimate_us = (elapsed_us(&start, &end)? / 20.0).max(0.5);

    let mut timings = Timings::new();

    let submit = sample_until_stable(rule, || {
        let t = Instant::now();
        for _ in 0..SUBMIT_BATCH {
            run.launch(rotate())?;
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / SUBMIT_BATCH as f64;
        run.sync("submitting")?;
        Ok(us)
    })?;
    let submit_us = submit.median;
    timings.insert(Figure::HostSubmitUs, submit);

    let cold_batch = copies
        .max((MIN_BATCH_GPU_US / estimate_us).ceil() as usize)
        .min(MAX_BATCH);
    let mut spin_ns = ((cold_batch as f64 * submit_us * 1.5 + 50.0) * 1e3) as u64;
    let cold = sample_until_stable(rule, || {
        queued_gpu_us(run, &spin, &mut spin_ns, cold_batch, &mut rotate)
    })?;
    timings.insert(Figure::GpuColdUs, cold);

    let hot_batch = ((MIN_BATCH_GPU_US / estimate_us).ceil() as usize).clamp(8, MAX_BATCH);
    let mut spin_ns = ((hot_batch as f64 * submit_us * 1.5 + 50.0) * 1e3) as u64;
    let hot = sample_until_stable(rule, || {
        queued_gpu_us(run, &spin, &mut spin_ns, hot_batch, || 0)
    })?;
    timings.insert(Figure::GpuHotUs, hot);

    let roundtrip = sample_until_stable(rule, || {
        let copy = rotate();
        let t = Instant::now();
        run.launch(copy)?;
        run.sync("a round trip")?;
        Ok(t.elapsed().as_secs_f64() * 1e6)
    })?;
    timings.insert(Figure::HostRoundtripUs, roundtrip);

    // The graph rotates through the copies as the cold figure does.
    let graph_us = rotating_graph_us(run, &run.call, cold_batch, copies, &spin, rule)?;
    timings.insert(Figure::GraphUs, graph_us);

    // The same graph with the variant's PDL build, where it has one: each call may be scheduled
    // while the one before drains, as in a decode chain under PDL.
    if let Some(pdl) = run.pdl_call()? {
        let graph_pdl_us = rotating_graph_us(run, &pdl.call, cold_batch, copies, &spin, rule)?;
        timings.insert(Figure::GraphPdlUs, graph_pdl_us);
    }
    Ok(timings)
}

/// GPU time per call of `calls` calls of `call` (a build of `run`'s problem) captured in one
/// graph, rotating through the weight copies, replayed behind a spin.
fn rotating_graph_us(
    run: &CudaRun<'_>,
    call: &Call,
    calls: usize,
    copies: usize,
    spin: &CudaFunction,
    rule: &StoppingRule,
) -> Result<Stats, RunError> {
    let stream = run.backend.stream.clone();
    let graph = capture(&stream, || {
        for i in 0..calls {
            run.launch_call(call, i % copies)?;
        }
        Ok(())
    })?;
    sample_until_stable(rule, || replay_per_call_us(&stream, spin, &graph, calls))
}

pub(super) fn ceilings(
    backend: &mut CudaBackend,
    helpers: &Helpers,
    rule: &StoppingRule,
    read_sizes: &[u64],
) -> Result<Ceilings, RunError> {
    let stream = backend.stream.clone();
    let facts = backend.facts.clone();
    let l2_bytes = facts.l2_bytes;

    // Read bandwidth over a buffer of several GiB (far past the 60 MB L2), filled with a pattern.
    let bytes: usize = (4usize << 30).min(facts.memory_bytes as usize / 4);
    // SAFETY: filled by the memset below before any read.
    let buffer = unsafe { stream.alloc::<u8>(bytes) }
        .map_err(|e| driver_error("allocating the bandwidth buffer", e))?;
    let sink = stream
        .alloc_zeros::<u32>(1)
        .map_err(|e| driver_error("allocating the sink", e))?;
    let (buf_ptr, sink_ptr) = (backend.ptr(&buffer), device_ptr(&stream, &sink));
    // SAFETY: the buffer is `bytes` long and lives on this stream.
    unsafe { drv::memset_d8_async(buf_ptr, 0x5a, bytes, stream.cu_stream()) }
        .map_err(|e| driver_error("filling the bandwidth buffer", e))?;
    // The best of a few launch shapes. One alone is not a ceiling: on the H200 (thirteenth
    // session) 4 blocks of 512 a SM read 4000 GB/s in some runs and 4640 in others, on the same
    // buffer, while 8 or 16 blocks of 256 read 4500–4650 every time, depending on the machine,
    // and one pass of many blocks (as the sized reads launch) read 3–4 % more than those
    // (4681–4688 GB/s; docs/PERF.md).
    let read_at = |grid: ReadGrid, kind: ReadLoads| -> Result<Stats, RunError> {
        let config = grid.config(facts.sm_count, bytes as u64);
        let read_once = || -> Result<f64, RunError> {
            let start = event(&stream)?;
            // SAFETY: the buffer is `bytes` long (256-byte aligned, filled above) and the sink
            // one u32; both live until the end of this function.
            unsafe {
                launch_read(
                    &stream,
                    kind.kernel(helpers),
                    buf_ptr,
                    bytes as u64,
                    config,
                    sink_ptr,
                )
            }?;
            let end = event(&stream)?;
            Ok(gbps(bytes as f64, elapsed_us(&start, &end)?))
        };
        read_once()?;
        sample_until_stable(rule, read_once)
    };
    let mut reads = Vec::new();
    for kind in READ_KINDS {
        for &grid in READ_GRIDS {
            reads.push(((grid, kind), read_at(grid, kind)?));
        }
    }
    let ((best_grid, best_kind), read) = reads
        .iter()
        .max_by(|a, b| a.1.median.total_cmp(&b.1.median))
        .cloned()
        .expect("READ_GRIDS and READ_KINDS are not empty");
    let read_shapes = reads
        .iter()
        .map(|((grid, kind), stats)| {
            format!("{}, {} {:.0}", grid.label(), kind.label(), stats.median)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let region = Region {
        base: buf_ptr,
        bytes: bytes as u64,
    };
    let sized_reads = read_sizes
        .iter()
        .filter(|&&size| size > 0 && 2 * size <= bytes as u64)
        .map(|&size| sized_read(&stream, helpers, region, sink_ptr, size, l2_bytes, rule))
        .collect::<Result<Vec<_>, _>>()?;
    drop(buffer);

    let one = LaunchConfig {
        grid_dim: (1, 1, 1),
        block_dim: (1, 1, 1),
        shared_mem_bytes: 0,
    };
    let roundtrip = sample_until_stable(rule, || {
        let t = Instant::now();
        launch_plain(&stream, &helpers.empty, one)?;
        stream
            .synchronize()
            .map_err(|e| driver_error("synchronizing", e))?;
        Ok(t.elapsed().as_secs_f64() * 1e6)
    })?;

    let graph = capture(&stream, || {
        for _ in 0..GRAPH_NODES {
            launch_plain(&stream, &helpers.empty, one)?;
        }
        Ok(())
    })?;
    let node = sample_until_stable(rule, || {
        replay_per_call_us(&stream, &helpers.spin, &graph, GRAPH_NODES)
    })?;

    let grid = LaunchConfig {
        grid_dim: (facts.sm_count * GRID_BLOCKS_PER_SM, 1, 1),
        block_dim: (128, 1, 1),
        shared_mem_bytes: 0,
    };
    let queued = |config: LaunchConfig| {
        let mut spin_ns = QUEUED_EMPTY * 5_000;
        sample_until_stable(rule, || {
            queued_us(
                &stream,
                &helpers.spin,
                &mut spin_ns,
                QUEUED_EMPTY as usize,
                || launch_plain(&stream, &helpers.empty, config),
            )
        })
    };
    let queued_kernel = queued(one)?;
    let queued_grid = queued(grid)?;

    Ok(Ceilings {
        read_bandwidth: Some(BandwidthCeiling {
            gbps: read.median,
            buffer_bytes: bytes as u64,
            stats: read,
        }),
        empty_roundtrip_us: Some(roundtrip),
        graph_node_us: Some(node),
        queued_kernel_us: Some(queued_kernel),
        queued_grid_us: Some(queued_grid),
        sized_reads,
        notes: vec![
            format!(
                "read_bandwidth: one kernel reading a {} MiB buffer with 16-byte loads, up to 4 in flight a thread; the best median of {} launch shapes, each with two kinds of load ({read_shapes} GB/s): {}, {}",
                bytes >> 20,
                READ_GRIDS.len(),
                best_grid.label(),
                best_kind.label()
            ),
            "empty_roundtrip_us: launch of an empty kernel and stream synchronize, host clock".into(),
            format!("graph_node_us: {GRAPH_NODES} empty kernels in one graph, replay time over {GRAPH_NODES}, device events"),
            format!("queued_kernel_us: {QUEUED_EMPTY} empty one-thread kernels queued behind a spin, device events over {QUEUED_EMPTY}"),
            format!("queued_grid_us: the same with {} blocks of 128 threads", facts.sm_count * GRID_BLOCKS_PER_SM),
            format!("sized_reads: the read kernel on copies of each size rotated past {L2_PASSES}x the L2, queued behind a spin, with grids of blocks of {READ_BLOCK} sized for {READ_LOADS:?} 16-byte loads a thread (the kernel keeps 4 in flight), each with loads allocated in L1 and not; the best, then replayed from a graph; sizes over half the 4 GiB buffer are not measured"),
        ],
    })
}

/// The read kernel's launch for `bytes` bytes with `loads` 16-byte loads a thread.
pub(super) fn read_config(bytes: u64, loads: u64) -> LaunchConfig {
    let blocks = (bytes / 16)
        .div_ceil(loads)
        .div_ceil(READ_BLOCK as u64)
        .max(1) as u32;
    LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (READ_BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// Read the whole 16-byte vectors of `bytes` bytes at `ptr` once with the read kernel (a tail of
/// `bytes % 16` is not read). Nothing is written unless the vectors XOR to one unlikely value;
/// then one word of `sink` is.
///
/// # Safety
/// `ptr` is 16-byte aligned and `bytes` bytes from it are live device memory, and `sink` is one
/// live u32, all on `stream`'s context, until the launch has run.
pub(super) unsafe fn launch_read(
    stream: &CudaStream,
    read: &CudaFunction,
    ptr: u64,
    bytes: u64,
    config: LaunchConfig,
    sink: u64,
) -> Result<(), RunError> {
    debug_assert_eq!(ptr % 16, 0, "the read kernel loads 16-byte vectors");
    let vectors = bytes / 16;
    let mut launch = stream.launch_builder(read);
    launch.arg(&ptr).arg(&vectors).arg(&sink);
    // SAFETY: skinny_read_bandwidth(const uint4*, u64 vectors, u32* sink), over memory the
    // caller vouches for (this function's contract).
    unsafe { launch.launch(config) }
        .map(|_| ())
        .map_err(|e| driver_error("launching the read kernel", e))
}

/// A filled device buffer that sized reads rotate through.
#[derive(Clone, Copy)]
struct Region {
    base: u64,
    bytes: u64,
}

/// The fastest cold read of `size` bytes: the read-bandwidth kernel on copies of `size` bytes
/// rotated past the L2, queued back to back as `gpu_cold_us` queues a variant's calls, with the
/// grid sized so that each thread issues a given number of loads, of either kind. A GEMV whose
/// weights are `size` bytes cannot beat this figure by more than noise; how far it sits above
/// says what its own arithmetic, reduction and layout cost.
fn sized_read(
    stream: &std::sync::Arc<CudaStream>,
    helpers: &Helpers,
    region: Region,
    sink: u64,
    size: u64,
    l2_bytes: u64,
    rule: &StoppingRule,
) -> Result<SizedRead, RunError> {
    // Copies start 256-byte aligned, as allocated weights do.
    let stride = size.div_ceil(256) * 256;
    let copies = ((L2_PASSES * l2_bytes).div_ceil(size) + 1).min(region.bytes / stride);
    if copies < 2 {
        return Err(RunError::new(format!(
            "a sized read of {size} bytes needs two copies; the buffer holds {} bytes",
            region.bytes
        )));
    }
    let estimate_us = 2.0 + size as f64 / 4.0e6;
    let batch = ((MIN_BATCH_GPU_US / estimate_us).ceil() as usize).clamp(8, MAX_BATCH);
    // The copy read by call `i`: copies · stride <= region.bytes, so inside the filled region,
    // and 256-byte aligned.
    let copy_ptr = |i: u64| region.base + (i % copies) * stride;
    let read_copy = |i: u64, config: LaunchConfig, kind: ReadLoads| {
        // SAFETY: `copy_ptr(i)` starts `size` live, aligned bytes of the region (above); `sink`
        // is the caller's live u32.
        unsafe {
            launch_read(
                stream,
                kind.kernel(helpers),
                copy_ptr(i),
                size,
                config,
                sink,
            )
        }
    };
    let mut best: Option<(Stats, u64, LaunchConfig, ReadLoads)> = None;
    for kind in READ_KINDS {
        for loads in READ_LOADS {
            let config = read_config(size, loads);
            let mut next = 0u64;
            let mut launch = || {
                next += 1;
                read_copy(next, config, kind)
            };
            let mut spin_ns = (batch as u64 * 3 + 50) * 1000;
            let us = sample_until_stable(rule, || {
                queued_us(stream, &helpers.spin, &mut spin_ns, batch, &mut launch)
            })?;
            if best.as_ref().is_none_or(|(b, ..)| us.median < b.median) {
                best = Some((us, loads, config, kind));
            }
        }
    }
    let (us, loads, config, kind) =
        best.ok_or_else(|| RunError::new("no read configuration was tried"))?;
    // The best configuration replayed from a graph that rotates through the copies, as
    // `graph_us` replays a variant's calls (as many calls as copies, up to MAX_BATCH).
    let graph_calls = (copies as usize).max(batch).min(MAX_BATCH);
    let graph = capture(stream, || {
        (0..graph_calls as u64).try_for_each(|i| read_copy(i, config, kind))
    })?;
    let graph_us = sample_until_stable(rule, || {
        replay_per_call_us(stream, &helpers.spin, &graph, graph_calls)
    })?;
    Ok(SizedRead {
        bytes: size,
        us,
        graph_us: Some(graph_us),
        config: format!(
            "{loads} loads a thread, {} blocks of {READ_BLOCK}, {}",
            config.grid_dim.0,
            kind.label()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_launch_gives_each_thread_about_the_loads_asked() {
        // 8.72 MB at 4 loads a thread: 545 k vectors, 136 k threads, 533 blocks of 256.
        let bytes = 896 * 4864 * 2;
        let config = read_config(bytes, 4);
        assert_eq!(config.block_dim, (READ_BLOCK, 1, 1));
        let threads = config.grid_dim.0 as u64 * READ_BLOCK as u64;
        assert!(threads * 4 >= bytes / 16, "every vector has a thread");
        assert!(
            (threads - READ_BLOCK as u64) * 4 < bytes / 16,
            "no whole block idle"
        );
        // A buffer smaller than one block's loads still launches one block.
        assert_eq!(read_config(16, 16).grid_dim.0, 1);
    }
}
