//! `skinny`: a thin command line over the skinny library.

mod compare_cmd;
mod decode_cmd;
mod dispatch_cmd;
mod kernels_cmd;
mod list;
mod probe_cmd;
mod progress;
mod report;
mod tables;
mod tune_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "skinny",
    version,
    about = "Decode-shaped matrix products (y = x·Wᵀ, 1 to 16 rows): verify and time every kernel variant",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify and time every variant on every shape, beside the device's own ceilings.
    Probe(ProbeArgs),
    /// Show the variants or shape sets that are embedded or loaded.
    List(ListArgs),
    /// Compile every CUDA kernel with NVRTC and show registers, shared and local memory and
    /// spills (needs libnvrtc, not a GPU); fails on a compile error or a spill.
    Kernels(KernelsArgs),
    /// Probe on the GPU (or read probe results) and write a dispatch table: per problem every
    /// candidate's figures and the winner, with validators tying it to this system.
    Tune(TuneArgs),
    /// Show which variant dispatch picks for each shape and why; with --measure, time the
    /// choice beside cublas/gemm.
    Dispatch(DispatchArgs),
    /// Run one decode step's matmul chain of a model in four ways (cuBLAS and skinny dispatch,
    /// eager and in a CUDA graph; skinny also with programmatic dependent launch) against the
    /// floor of its weight bytes over the read bandwidth.
    Decode(DecodeArgs),
    /// Turn result files into one self-contained HTML page (inline SVG charts) and/or Markdown.
    Report(ReportArgs),
    /// Compare two result files: ratio of medians per (shape, variant), flagged only beyond
    /// both runs' spread; exit status 4 on a regression past the threshold.
    Compare(CompareArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FigureArg {
    GpuCold,
    GpuHot,
    Roundtrip,
    Submit,
    Graph,
    GraphPdl,
    CpuCold,
    CpuHot,
}

#[derive(Args)]
pub struct CompareArgs {
    /// The result file to compare against
    #[arg(value_name = "BASE.json")]
    pub base: PathBuf,
    /// The result file under test
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// The figure compared [default: each file's cold figure]
    #[arg(long, value_enum)]
    pub figure: Option<FigureArg>,
    /// A slowdown beyond both runs' spread is a regression past this fraction
    #[arg(long, default_value_t = 0.05)]
    pub threshold: f64,
    /// Show every pair, not only those beyond the spread
    #[arg(long)]
    pub all: bool,
}

#[derive(Args)]
pub struct ReportArgs {
    /// Result files of `probe`, `decode`, `dispatch --measure` or a peer script (.json or .json.gz)
    #[arg(required = true, value_name = "RESULT.json")]
    pub results: Vec<PathBuf>,
    /// Write the HTML page here
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Write the Markdown page here
    #[arg(long, value_name = "OUT.md")]
    pub markdown: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MetricArg {
    /// Weights from HBM, calls back to back
    GpuCold,
    /// Per call in a CUDA graph
    Graph,
    /// One isolated call, launch to synchronize
    Roundtrip,
    /// Per call in a CUDA graph with programmatic dependent launch (vendor calls: their graph
    /// figure)
    GraphPdl,
}

#[derive(Args)]
pub struct TuneArgs {
    /// Build the table from these probe result files instead of probing now
    #[arg(long, num_args = 1.., value_name = "RESULT.json")]
    pub from: Vec<PathBuf>,
    /// The figure that ranks the candidates
    #[arg(long, value_enum, default_value = "gpu-cold")]
    pub metric: MetricArg,
    /// Where to write the dispatch table (written atomically)
    #[arg(long, value_name = "PATH", default_value = "skinny-dispatch.json")]
    pub out: PathBuf,
    #[command(flatten)]
    pub probe: ProbeArgs,
}

#[derive(Args)]
pub struct DispatchArgs {
    /// The dispatch table from `skinny tune` (without one, everything falls back to cuBLAS)
    #[arg(long, value_name = "PATH")]
    pub table: Option<PathBuf>,
    #[command(flatten)]
    pub shapes: ShapeArgs,
    /// Time each choice beside cublas/gemm (the probe on just those pairs)
    #[arg(long)]
    pub measure: bool,
    /// Show what plans made for programmatic dependent launch run: a table's chain picks (from
    /// `skinny decode --tune-chain`) come first, then the same choice as without
    #[arg(long, conflicts_with = "measure")]
    pub pdl: bool,
    /// Where --measure writes its result file
    #[arg(
        long,
        value_name = "PATH",
        default_value = "skinny-dispatch-check.json"
    )]
    pub json: PathBuf,
    /// Time cap per timing figure, milliseconds (--measure)
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub time_cap_ms: u64,
}

#[derive(Args)]
pub struct DecodeArgs {
    /// Embedded shape sets or set files that name their layer count
    #[arg(long, num_args = 1.., value_name = "SET|FILE")]
    pub model: Vec<String>,
    /// Hugging Face config.json files (num_hidden_layers gives the layers)
    #[arg(long, num_args = 1.., value_name = "CONFIG.JSON")]
    pub model_config: Vec<PathBuf>,
    /// Tokens decoded together (rows of x)
    #[arg(long, default_value_t = 1)]
    pub m: usize,
    /// Run the chain at this dtype instead of the model's own
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// The dispatch table from `skinny tune` (without one, skinny's modes run cuBLAS)
    #[arg(long, value_name = "PATH")]
    pub table: Option<PathBuf>,
    /// Where to write the result file (written atomically)
    #[arg(long, value_name = "PATH", default_value = "skinny-decode.json")]
    pub json: PathBuf,
    /// Time cap per mode, milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub time_cap_ms: u64,
    /// Also run the whole chain as one persistent kernel that streams the weights through
    /// shared memory while it waits for each product's input, the skinny-persistent mode
    /// (m = 1, bf16/f16, nt, k a multiple of 8 and at most 16384)
    #[arg(long)]
    pub persistent: bool,
    /// At most N shared-memory ring stages for the persistent mode (default: as many as fit)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    pub persistent_stages: Option<u32>,
    /// Before timing the modes, choose each product's variant by the time of the whole chain
    /// under programmatic dependent launch in a graph (from the table's choices, or from cuBLAS
    /// without a table; one product at a time, then neighbouring products jointly, every chain
    /// checked against cuBLAS), write the table with those picks to --write-table, and run the
    /// PDL modes with them
    #[arg(long)]
    pub tune_chain: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Where --tune-chain writes the table with the chain's picks (written atomically)
    #[arg(
        long,
        value_name = "PATH",
        default_value = "skinny-dispatch-chain.json"
    )]
    pub write_table: PathBuf,
    /// The variants --tune-chain tries (globs, as for probe's --variants) [default: every CUDA
    /// variant that can run the problem and was not timed slower than 1.5× the table's winner]
    #[arg(long, num_args = 1.., value_name = "GLOB")]
    pub chain_variants: Vec<String>,
}

#[derive(Args)]
pub struct KernelsArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Target architecture (a real one, so that ptxas runs)
    #[arg(long, default_value = "sm_90")]
    pub arch: String,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BackendArg {
    /// CUDA when a device is usable, otherwise the CPU (and say why).
    Auto,
    Cpu,
    Cuda,
}

/// Where the shapes come from; shared by `probe` and `list shapes`.
#[derive(Args, Clone, Default)]
pub struct ShapeArgs {
    /// Shape sets by name or TOML file; `NAME@m8`, `NAME@m2,4`, `NAME@batch`, `NAME@all` pick
    /// row counts [default: qwen2.5-0.5b]
    #[arg(long, num_args = 1.., value_name = "SET|FILE")]
    pub shapes: Vec<String>,
    /// One extra shape: m,n,k then any of nt|nn, bias|axpby, bf16|f16|f32
    #[arg(long = "shape", value_name = "M,N,K[,OPT...]")]
    pub shape: Vec<String>,
    /// Decode shapes derived from a Hugging Face config.json (row suffixes as for --shapes)
    #[arg(long, value_name = "CONFIG.JSON")]
    pub model_config: Vec<String>,
    /// Run every shape at these dtypes instead of its own
    #[arg(long, value_delimiter = ',', value_name = "DTYPE,...")]
    pub dtype: Vec<DtypeArg>,
    /// Run every shape with W in these layouts instead of its own (nt: [n, k], nn: [k, n])
    #[arg(long, value_delimiter = ',', value_name = "LAYOUT,...")]
    pub layout: Vec<LayoutArg>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Nt,
    Nn,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DtypeArg {
    Bf16,
    F16,
    F32,
}

impl From<DtypeArg> for skinny::problem::Dtype {
    fn from(arg: DtypeArg) -> Self {
        match arg {
            DtypeArg::Bf16 => Self::Bf16,
            DtypeArg::F16 => Self::F16,
            DtypeArg::F32 => Self::F32,
        }
    }
}

/// Which variant registry a command uses: the embedded one or a file, plus added files.
#[derive(Args)]
pub struct RegistryArgs {
    /// A registry file to use instead of the embedded one (a dispatch table must have been
    /// tuned on the registry it is used with)
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// A registry file whose variants are added to the registry in use (repeatable; its ids
    /// must be new): an experiment file holds only its own variants
    #[arg(long, value_name = "FILE")]
    pub add_registry: Vec<PathBuf>,
}

impl RegistryArgs {
    /// The embedded registry, or `--registry`'s instead, with every added file's variants after
    /// it.
    pub fn load(&self) -> anyhow::Result<skinny::registry::Registry> {
        use skinny::registry::Registry;
        let mut registry = match &self.registry {
            Some(p) => Registry::load(p)?,
            None => Registry::embedded()?,
        };
        for file in &self.add_registry {
            registry = registry.with_added(Registry::load(file)?)?;
        }
        Ok(registry)
    }
}

#[derive(Args)]
pub struct ProbeArgs {
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: BackendArg,
    #[command(flatten)]
    pub shapes: ShapeArgs,
    /// Only the variants whose id matches one of these globs (e.g. 'cpu/*')
    #[arg(long, num_args = 1.., value_name = "GLOB")]
    pub variants: Vec<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Where to write the JSON result file (written atomically)
    #[arg(long, value_name = "PATH", default_value = "skinny-probe.json")]
    pub json: PathBuf,
    /// Time cap per timing figure, milliseconds
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub time_cap_ms: u64,
    /// Stop sampling once the relative spread (IQR / median) is at most this
    #[arg(long, value_name = "FRACTION", default_value_t = 0.005)]
    pub spread_target: f64,
    /// Base seed for the random inputs (each run's own seed is recorded)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Exit with status 3 if any run is incorrect or failed
    #[arg(long)]
    pub strict: bool,
    /// Verify every run against the reference and time nothing (no ceilings either): for runs
    /// under compute-sanitizer and quick correctness checks
    #[arg(long)]
    pub verify_only: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(subcommand)]
    pub what: ListWhat,
}

#[derive(Subcommand)]
pub enum ListWhat {
    /// The variants of the registry with their capabilities
    Variants {
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// The embedded shape sets, or the ones named
    Shapes(ShapeArgs),
}

/// Exit status when `--strict` finds an incorrect or failed run.
pub const EXIT_STRICT: u8 = 3;

/// Output piped into a program that stops reading (`skinny probe | head`) ends the process
/// quietly, as Unix tools do, instead of a panic at the next print: Rust ignores SIGPIPE, so
/// the write fails and `println!` panics. Result files are written atomically, so none is left
/// half-written either way.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Probe(args) => probe_cmd::run(&args),
        Command::List(args) => list::run(&args.what).map(|()| ExitCode::SUCCESS),
        Command::Kernels(args) => kernels_cmd::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Tune(args) => tune_cmd::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Dispatch(args) => dispatch_cmd::run(&args),
        Command::Decode(args) => decode_cmd::run(&args),
        Command::Report(args) => report::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Compare(args) => compare_cmd::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
