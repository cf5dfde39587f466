//! The variant registry: every kernel configuration skinny can run, declared in data.
//!
//! A variant is a kernel family, fixed parameters, and the capabilities it honestly claims. The
//! plan pairs each problem with each variant and uses the capabilities to decide between a run
//! and a coverage gap. Adding a variant means adding an entry to a TOML file; the file is checked
//! when loaded, and every mistake is reported with its file and line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::kernels::{self, ParamKind};
use crate::problem::{Dtype, Layout};
use crate::source::{DataError, SourceFile};

/// The registry compiled into the binary.
pub const EMBEDDED_REGISTRY: &str = include_str!("../../../registry/variants.toml");
pub const EMBEDDED_REGISTRY_PATH: &str = "registry/variants.toml";

/// Where a variant's kernel runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Cpu,
    Cuda,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Cuda => "cuda",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fixed parameter value: a tile size, a thread count, a transpose override.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Bool(bool),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// What a variant can run. Anything outside these is a coverage gap, never a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub layouts: Vec<Layout>,
    pub dtypes: Vec<Dtype>,
    /// Fused bias epilogue.
    pub bias: bool,
    /// Runs only problems with a bias (a variant that exists to show a bias path).
    #[serde(default)]
    pub bias_only: bool,
    /// `y = alpha·x·Wᵀ + beta·y` (accumulate into y).
    pub accumulate: bool,
    pub m_min: usize,
    /// `None`: no upper bound on rows.
    pub m_max: Option<usize>,
    /// `None`: no upper bound on n (a kernel that keeps all of a row of y in registers sets one).
    #[serde(default)]
    pub n_max: Option<usize>,
    /// Smallest k the kernel handles; a kernel without a small-K path sets its K tile here.
    pub k_min: usize,
    /// `None`: no upper bound on k (a kernel that holds whole rows of W in a buffer sets one).
    #[serde(default)]
    pub k_max: Option<usize>,
    pub k_multiple: usize,
    pub n_multiple: usize,
    /// When present, the only n values the kernel was built for.
    pub n_values: Option<Vec<usize>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    pub backend: BackendKind,
    pub kernel: String,
    pub description: String,
    pub params: BTreeMap<String, ParamValue>,
    pub supports: Capabilities,
}

impl Variant {
    /// A call into the vendor library (cuBLAS, cuBLASLt): a CUDA family with no kernel source,
    /// so no build of skinny's own (no PDL build either).
    pub fn is_vendor(&self) -> bool {
        crate::kernels::family(self.backend, &self.kernel).is_some_and(|f| f.source.is_none())
    }

    pub fn int_param(&self, name: &str) -> Option<i64> {
        match self.params.get(name) {
            Some(ParamValue::Int(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn bool_param(&self, name: &str) -> Option<bool> {
        match self.params.get(name) {
            Some(ParamValue::Bool(v)) => Some(*v),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Registry {
    /// The file it came from, as shown in messages and results.
    pub source: String,
    pub variants: Vec<Variant>,
}

// ---- the file format -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    variant: Vec<Spanned<VariantEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantEntry {
    id: Spanned<String>,
    backend: BackendKind,
    kernel: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    params: BTreeMap<String, Spanned<ParamValue>>,
    supports: SupportsEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SupportsEntry {
    layouts: Spanned<Vec<Layout>>,
    dtypes: Spanned<Vec<Dtype>>,
    #[serde(default)]
    bias: bool,
    #[serde(default)]
    bias_only: bool,
    #[serde(default)]
    accumulate: bool,
    m_min: Option<Spanned<usize>>,
    m_max: Option<Spanned<usize>>,
    n_max: Option<Spanned<usize>>,
    k_min: Option<Spanned<usize>>,
    k_max: Option<Spanned<usize>>,
    k_multiple: Option<Spanned<usize>>,
    n_multiple: Option<Spanned<usize>>,
    n_values: Option<Spanned<Vec<usize>>>,
}

impl Registry {
    pub fn embedded() -> Result<Registry, DataError> {
        Registry::parse(&SourceFile::embedded(
            EMBEDDED_REGISTRY_PATH,
            EMBEDDED_REGISTRY,
        ))
    }

    pub fn load(path: &Path) -> Result<Registry, DataError> {
        Registry::parse(&SourceFile::read(path)?)
    }

    pub fn parse(source: &SourceFile) -> Result<Registry, DataError> {
        let file: RegistryFile = source.parse_toml()?;
        if file.variant.is_empty() {
            return Err(source.error_at(None, "the registry declares no [[variant]]"));
        }
        let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
        let mut variants = Vec::with_capacity(file.variant.len());
        for entry in file.variant {
            let entry = entry.into_inner();
            let id_line = source.line_of(entry.id.span().start);
            if let Some(first) = first_line_of_id.get(entry.id.get_ref()) {
                return Err(source.error_at(
                    Some(entry.id.span()),
                    format!(
                        "duplicate variant id '{}' (first defined at line {first})",
                        entry.id.get_ref()
                    ),
                ));
            }
            first_line_of_id.insert(entry.id.get_ref().clone(), id_line);
            variants.push(check_variant(source, entry)?);
        }
        Ok(Registry {
            source: source.name.clone(),
            variants,
        })
    }

    /// This registry with `added`'s variants after its own: an experiment file then holds only
    /// its new variants instead of a copy of the embedded registry. An id in both is refused,
    /// naming both files (the added variant would silently shadow or be shadowed).
    pub fn with_added(mut self, added: Registry) -> Result<Registry, DataError> {
        for variant in &added.variants {
            if self.get(&variant.id).is_some() {
                return Err(DataError {
                    file: added.source.clone(),
                    line: None,
                    message: format!(
                        "variant id '{}' is already in {} (an added registry may only add new ids)",
                        variant.id, self.source
                    ),
                });
            }
        }
        self.source = format!("{} + {}", self.source, added.source);
        self.variants.extend(added.variants);
        Ok(self)
    }

    pub fn get(&self, id: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }

    /// The variants whose id matches any of the globs (all of them when there are none). A glob
    /// that matches nothing is an error: it is almost always a typo, and running without the
    /// variant the user asked for would be a silent lie.
    pub fn select(&self, globs: &[String]) -> Result<Vec<Variant>, String> {
        if globs.is_empty() {
            return Ok(self.variants.clone());
        }
        let mut patterns = Vec::with_capacity(globs.len());
        for glob in globs {
            let pattern = glob::Pattern::new(glob)
                .map_err(|e| format!("--variants '{glob}' is not a valid glob: {e}"))?;
            if !self.variants.iter().any(|v| pattern.matches(&v.id)) {
                let known: Vec<&str> = self.variants.iter().map(|v| v.id.as_str()).collect();
                return Err(format!(
                    "--variants '{glob}' matches no variant in {} (known: {})",
                    self.source,
                    known.join(", ")
                ));
            }
            patterns.push(pattern);
        }
        Ok(self
            .variants
            .iter()
            .filter(|v| patterns.iter().any(|p| p.matches(&v.id)))
            .cloned()
            .collect())
    }
}

fn valid_id(id: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.+".contains(c);
    match id.split_once('/') {
        Some((family, name)) => {
            !family.is_empty()
                && !name.is_empty()
                && family.chars().all(allowed)
                && name.chars().all(|c| allowed(c) || c == '/')
        }
        None => false,
    }
}

fn check_variant(source: &SourceFile, entry: VariantEntry) -> Result<Variant, DataError> {
    let err = |span: Range<usize>, msg: String| source.error_at(Some(span), msg);
    let id = entry.id.get_ref().clone();
    if !valid_id(&id) {
        return Err(err(
            entry.id.span(),
            format!(
                "variant id '{id}' must look like 'family/name' (lowercase letters, digits, '_', \
                 '-', '.', '+')"
            ),
        ));
    }

    let family = kernels::family(entry.backend, entry.kernel.get_ref()).ok_or_else(|| {
        err(
            entry.kernel.span(),
            format!(
                "variant '{id}': backend {} has no kernel family '{}' (known: {})",
                entry.backend,
                entry.kernel.get_ref(),
                kernels::family_names(entry.backend).join(", ")
            ),
        )
    })?;
    let mut params = BTreeMap::new();
    for (name, value) in entry.params {
        let spec = family.param(&name).ok_or_else(|| {
            let known: Vec<&str> = family.params.iter().map(|p| p.name).collect();
            err(
                value.span(),
                format!(
                    "variant '{id}': kernel '{}' takes no parameter '{name}' (known: {})",
                    family.name,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })?;
        match (spec.kind, value.get_ref()) {
            (ParamKind::Int { min, max, multiple }, ParamValue::Int(v))
                if (min..=max).contains(v) && v % multiple == 0 => {}
            (ParamKind::Int { min, max, multiple }, other) => {
                let of = if multiple > 1 {
                    format!(" and a multiple of {multiple}")
                } else {
                    String::new()
                };
                return Err(err(
                    value.span(),
                    format!(
                        "variant '{id}': parameter {name} = {other} must be an integer in \
                         {min}..={max}{of}"
                    ),
                ));
            }
            (ParamKind::Bool, ParamValue::Bool(_)) => {}
            (ParamKind::Bool, other) => {
                return Err(err(
                    value.span(),
                    format!("variant '{id}': parameter {name} = {other} must be true or false"),
                ))
            }
        }
        params.insert(name, value.into_inner());
    }
    if let Some(missing) = family
        .params
        .iter()
        .find(|p| p.required && !params.contains_key(p.name))
    {
        return Err(err(
            entry.kernel.span(),
            format!(
                "variant '{id}': kernel '{}' needs parameter '{}' ({})",
                family.name, missing.name, missing.meaning
            ),
        ));
    }

    let supports_line = entry.kernel.span();
    let supports = check_supports(source, &id, entry.supports)?;
    // A kernel compiled for at most MAX_M rows (MAX_N outputs) must not claim more.
    for (param, claim, field) in [
        ("MAX_M", supports.m_max, "m_max"),
        ("MAX_N", supports.n_max, "n_max"),
    ] {
        if let Some(ParamValue::Int(most)) = params.get(param) {
            if claim.is_none_or(|c| c as i64 > *most) {
                return Err(err(
                    supports_line.clone(),
                    format!("variant '{id}': {param} = {most} needs supports.{field} ≤ {most}"),
                ));
            }
        }
    }
    // A kernel that holds whole rows of W in a STAGE_BYTES buffer must not claim longer rows.
    if let Some(ParamValue::Int(stage)) = params.get("STAGE_BYTES") {
        let widest = supports
            .dtypes
            .iter()
            .map(|d| d.size_bytes())
            .max()
            .unwrap_or(1) as i64;
        let most = stage / widest;
        if supports.k_max.is_none_or(|k| k as i64 > most) {
            return Err(err(
                supports_line.clone(),
                format!("variant '{id}': STAGE_BYTES = {stage} holds rows of at most {most} elements of its widest dtype, so it needs supports.k_max ≤ {most}"),
            ));
        }
    }
    // A kernel that keeps x whole in shared memory (XRES) must claim the k whose x still fits.
    if let Some(ParamValue::Int(resident)) = params.get("XRES") {
        if *resident > 0 && supports.k_max.is_none() {
            return Err(err(
                supports_line.clone(),
                format!("variant '{id}': XRES = {resident} keeps x whole in shared memory, so it needs supports.k_max"),
            ));
        }
    }
    // A register budget promised for more blocks than a SM can hold (2048 threads) is no promise.
    if let (Some(ParamValue::Int(blocks)), Some(ParamValue::Int(warps))) =
        (params.get("MIN_BLOCKS"), params.get("WARPS"))
    {
        if blocks * warps * 32 > 2048 {
            return Err(err(
                supports_line.clone(),
                format!("variant '{id}': MIN_BLOCKS = {blocks} blocks of {warps} warps exceed a SM's 2048 threads"),
            ));
        }
    }
    // The nn kernels' outputs a block are whole warps' column lanes (COLS / 8 of them must
    // divide 32); the family's range allows every multiple of 32 up to 256, and the kernels'
    // static_assert would refuse 96, 160, 192 and 224 only at compile time, on the GPU.
    if let Some(ParamValue::Int(cols)) = params.get("COLS") {
        if ![32, 64, 128, 256].contains(cols) {
            return Err(err(
                supports_line.clone(),
                format!("variant '{id}': COLS = {cols} must be 32, 64, 128 or 256"),
            ));
        }
    }
    // An L2 prefetch size is one PTX knows (common.cuh refuses the others only at compile time).
    if let Some(ParamValue::Int(bytes)) = params.get("PREFETCH") {
        if ![0, 64, 128, 256].contains(bytes) {
            return Err(err(
                supports_line.clone(),
                format!("variant '{id}': PREFETCH = {bytes} must be 0, 64, 128 or 256"),
            ));
        }
    }
    // gemv_mma's CHUNKS cut each of 8 / CHUNKS rows into CHUNKS runs and fill the mma's 16 rows
    // with rows of x × chunks: it must divide 8, leave m ≤ 16·XPASS / CHUNKS (XPASS passes of
    // x over each W fragment, at most CHUNKS of them), and not go with LINES (the kernel's
    // static_asserts would refuse these only at compile time). CHUNKS and XPASS default to 1, so
    // a build that sets XPASS alone is checked too. (MAX_M is a required parameter of gemv_mma,
    // checked before this.)
    if let Some(ParamValue::Int(max_m)) = params.get("MAX_M").filter(|_| family.name == "gemv_mma")
    {
        let int_or_one = |name: &str| match params.get(name) {
            Some(ParamValue::Int(v)) => *v,
            _ => 1,
        };
        let (chunks, passes) = (int_or_one("CHUNKS"), int_or_one("XPASS"));
        let lines = matches!(params.get("LINES"), Some(ParamValue::Bool(true)));
        let why = if crate::kernels::rows_of_chunked_tile(chunks).is_none() {
            Some("must be 1, 2, 4 or 8".to_string())
        } else if passes > chunks {
            Some(format!(
                "allows at most {chunks} passes of x, not XPASS = {passes}"
            ))
        } else if *max_m > 16 * passes / chunks {
            Some(format!(
                "leaves room for at most {} rows of x, not MAX_M = {max_m}",
                16 * passes / chunks
            ))
        } else if lines && chunks > 1 {
            Some("does not go with LINES".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(err(
                supports_line.clone(),
                format!("variant '{id}': CHUNKS = {chunks} {why}"),
            ));
        }
    }
    // The tensor-map kernels copy 16-bit [rows, k] boxes whose row stride must be a multiple of
    // 16 bytes: bf16 or f16, W stored nt, k a multiple of 8. Refused here rather than failing
    // every run on the GPU (an f32 build has no entry, an nn W reads wrong, a ragged stride is
    // an encoding error).
    if family.source.map(|s| s.launch) == Some(kernels::Launch::TensorMapTiles) {
        let sixteen_bit = supports
            .dtypes
            .iter()
            .all(|d| matches!(d, Dtype::Bf16 | Dtype::F16));
        if !sixteen_bit || supports.layouts != [Layout::Nt] || supports.k_multiple % 8 != 0 {
            return Err(err(
                supports_line,
                format!("variant '{id}': kernel '{}' copies 16-bit tiles of W stored nt whose rows are a multiple of 16 bytes, so supports needs dtypes within [\"bf16\", \"f16\"], layouts = [\"nt\"] and a k_multiple that is a multiple of 8", family.name),
            ));
        }
    }
    // A kernel that reads W in one layout (W_NT) must claim exactly that layout.
    if let Some(ParamValue::Bool(w_nt)) = params.get("W_NT") {
        let layout = if *w_nt { Layout::Nt } else { Layout::Nn };
        if supports.layouts != [layout] {
            return Err(err(
                supports_line,
                format!("variant '{id}': W_NT = {w_nt} reads W as {layout}, so supports.layouts must be [\"{layout}\"]"),
            ));
        }
    }
    Ok(Variant {
        id,
        backend: entry.backend,
        kernel: family.name.to_string(),
        description: entry.description,
        params,
        supports,
    })
}

fn check_supports(
    source: &SourceFile,
    id: &str,
    s: SupportsEntry,
) -> Result<Capabilities, DataError> {
    let err = |span: Range<usize>, msg: String| {
        source.error_at(Some(span), format!("variant '{id}': {msg}"))
    };

    if s.layouts.get_ref().is_empty() {
        return Err(err(s.layouts.span(), "supports.layouts is empty".into()));
    }
    if s.dtypes.get_ref().is_empty() {
        return Err(err(s.dtypes.span(), "supports.dtypes is empty".into()));
    }
    // A value of 0 for any of these would make the variant unable to run anything, or divide by
    // zero in the filter: refuse it here, where the file can be fixed.
    let at_least_one = |field: &Option<Spanned<usize>>, name: &str| -> Result<usize, DataError> {
        match field {
            None => Ok(1),
            Some(v) if *v.get_ref() >= 1 => Ok(*v.get_ref()),
            Some(v) => Err(err(
                v.span(),
                format!("supports.{name} = 0 is impossible: it must be at least 1"),
            )),
        }
    };
    if s.bias_only && !s.bias {
        return Err(source.error_at(
            None,
            format!("variant '{id}': supports.bias_only needs supports.bias = true"),
        ));
    }
    let m_min = at_least_one(&s.m_min, "m_min")?;
    let k_min = at_least_one(&s.k_min, "k_min")?;
    let k_multiple = at_least_one(&s.k_multiple, "k_multiple")?;
    let n_multiple = at_least_one(&s.n_multiple, "n_multiple")?;
    // A maximum below its minimum accepts nothing.
    let below_min = |v: &Spanned<usize>, dim: &str, min: usize| {
        err(
            v.span(),
            format!(
                "supports.{dim}_max = {} is below supports.{dim}_min = {min}: no {dim} is accepted",
                v.get_ref()
            ),
        )
    };
    let m_max = match &s.m_max {
        None => None,
        Some(v) if *v.get_ref() < 1 => {
            return Err(err(
                v.span(),
                format!(
                    "supports.m_max = {} is impossible: a variant must accept at least one row",
                    v.get_ref()
                ),
            ))
        }
        Some(v) if *v.get_ref() < m_min => return Err(below_min(v, "m", m_min)),
        Some(v) => Some(*v.get_ref()),
    };
    let n_max = match &s.n_max {
        None => None,
        Some(v) if *v.get_ref() < 1 => {
            return Err(err(
                v.span(),
                "supports.n_max = 0 is impossible: a variant must accept at least one n".into(),
            ))
        }
        Some(v) => Some(*v.get_ref()),
    };
    let k_max = match &s.k_max {
        None => None,
        Some(v) if *v.get_ref() < k_min => return Err(below_min(v, "k", k_min)),
        Some(v) => Some(*v.get_ref()),
    };
    let n_values = match s.n_values {
        None => None,
        Some(values) => {
            if values.get_ref().is_empty() || values.get_ref().contains(&0) {
                return Err(err(
                    values.span(),
                    "supports.n_values must list at least one n, each at least 1".into(),
                ));
            }
            if s.n_multiple.is_some() {
                return Err(err(
                    values.span(),
                    "give supports.n_values or supports.n_multiple, not both".into(),
                ));
            }
            Some(values.into_inner())
        }
    };
    Ok(Capabilities {
        layouts: dedup(s.layouts.into_inner()),
        dtypes: dedup(s.dtypes.into_inner()),
        bias: s.bias,
        bias_only: s.bias_only,
        accumulate: s.accumulate,
        m_min,
        m_max,
        n_max,
        k_min,
        k_max,
        k_multiple,
        n_multiple,
        n_values,
    })
}

fn dedup<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Registry, DataError> {
        Registry::parse(&SourceFile {
            name: "test.toml".into(),
            text: text.into(),
        })
    }

    const GOOD: &str = r#"
[[variant]]
id = "cpu/one"
backend = "cpu"
kernel = "cpu_naive"
[variant.supports]
layouts = ["nt"]
dtypes = ["bf16", "f32"]
m_max = 16
"#;

    #[test]
    fn the_embedded_registry_loads() {
        let reg = Registry::embedded().unwrap();
        assert!(reg.get("cpu/naive").is_some());
        assert!(reg.source.contains("registry/variants.toml"));
    }

    #[test]
    fn a_minimal_variant_gets_permissive_defaults() {
        let reg = parse(GOOD).unwrap();
        let caps = &reg.variants[0].supports;
        assert_eq!(caps.m_min, 1);
        assert_eq!(caps.m_max, Some(16));
        assert_eq!((caps.k_min, caps.k_multiple, caps.n_multiple), (1, 1, 1));
        assert!(!caps.bias && !caps.accumulate);
    }

    fn error_of(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_row_buffer_kernel_must_claim_a_k_max_its_stage_holds() {
        let bulk = |supports: &str| {
            format!(
                "[[variant]]\nid = \"t/b\"\nbackend = \"cuda\"\nkernel = \"gemv_bulk\"\nparams = {{ WARPS = 8, STAGES = 2, STAGE_BYTES = 4096, MAX_M = 1 }}\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"bf16\"]\nm_max = 1\n{supports}\n"
            )
        };
        let reg = parse(&bulk("k_max = 2048")).unwrap();
        assert_eq!(reg.variants[0].supports.k_max, Some(2048));
        for (supports, wanted) in [
            ("", "needs supports.k_max ≤ 2048"),
            ("k_max = 2056", "needs supports.k_max ≤ 2048"),
            (
                "k_min = 64\nk_max = 32",
                "k_max = 32 is below supports.k_min = 64",
            ),
        ] {
            let err = error_of(&bulk(supports));
            assert!(err.contains(wanted), "{supports}: {err}");
        }
    }

    #[test]
    fn a_tensor_map_kernel_must_claim_sixteen_bit_nt_rows_of_whole_vectors() {
        let wg = |supports: &str| {
            format!(
                "[[variant]]\nid = \"t/w\"\nbackend = \"cuda\"\nkernel = \"gemv_wgmma\"\nparams = {{ STAGES = 4, MAX_M = 8 }}\n[variant.supports]\nm_max = 8\n{supports}\n"
            )
        };
        let ok = "layouts = [\"nt\"]\ndtypes = [\"bf16\", \"f16\"]\nk_multiple = 8";
        assert_eq!(parse(&wg(ok)).unwrap().variants[0].supports.k_multiple, 8);
        for bad in [
            "layouts = [\"nt\"]\ndtypes = [\"bf16\", \"f32\"]\nk_multiple = 8",
            "layouts = [\"nt\", \"nn\"]\ndtypes = [\"bf16\"]\nk_multiple = 8",
            "layouts = [\"nt\"]\ndtypes = [\"bf16\"]\nk_multiple = 4",
            "layouts = [\"nt\"]\ndtypes = [\"bf16\"]",
        ] {
            let err = error_of(&wg(bad));
            assert!(
                err.contains("copies 16-bit tiles of W stored nt"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_block_budget_must_fit_a_sm() {
        let split = |params: &str| {
            format!(
                "[[variant]]\nid = \"t/s\"\nbackend = \"cuda\"\nkernel = \"gemv_split\"\nparams = {{ ROWS = 1, WARPS = 4, UNROLL = 4, {params} }}\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"bf16\"]\nm_max = 1\n"
            )
        };
        parse(&split("MAX_M = 1, X_WITH_W = 1, MIN_BLOCKS = 16")).unwrap();
        // x with W for several rows of x (sixteenth session).
        parse(&split("MAX_M = 4, X_WITH_W = 1, MIN_BLOCKS = 5")).unwrap();
        let err = error_of(&split("MAX_M = 1, MIN_BLOCKS = 17"));
        assert!(err.contains("exceed a SM's 2048 threads"), "{err}");
    }

    #[test]
    fn an_added_registry_appends_new_ids_and_refuses_known_ones() {
        let base = parse(GOOD).unwrap();
        let known = base.variants[0].id.clone();
        let extra = |id: &str| {
            Registry::parse(&SourceFile {
                name: "extra.toml".into(),
                text: format!(
                    "[[variant]]\nid = \"{id}\"\nbackend = \"cpu\"\nkernel = \"cpu_naive\"\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"f32\"]\n"
                ),
            })
            .unwrap()
        };
        let merged = base.clone().with_added(extra("cpu/extra")).unwrap();
        assert_eq!(merged.variants.len(), base.variants.len() + 1);
        assert_eq!(merged.variants.last().unwrap().id, "cpu/extra");
        assert_eq!(merged.source, "test.toml + extra.toml");
        let err = base.with_added(extra(&known)).unwrap_err();
        assert_eq!(err.file, "extra.toml");
        assert!(
            err.message
                .contains(&format!("'{known}' is already in test.toml")),
            "{err}"
        );
    }

    #[test]
    fn x_resident_needs_a_k_max() {
        let ring = |supports: &str| {
            format!(
                "[[variant]]\nid = \"t/x\"\nbackend = \"cuda\"\nkernel = \"gemv_mma_ring\"\nparams = {{ WARPS = 4, TILES = 2, SPAN = 2, STAGES = 3, MAX_M = 16, XRES = 1 }}\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"bf16\"]\nm_max = 16\nk_multiple = 8\n{supports}"
            )
        };
        parse(&ring("k_max = 4096\n")).unwrap();
        let err = error_of(&ring(""));
        assert!(
            err.contains("XRES = 1 keeps x whole in shared memory, so it needs supports.k_max"),
            "{err}"
        );
    }

    #[test]
    fn nn_columns_are_a_power_of_two_and_a_cluster_any_count_up_to_16() {
        let nn = |cols: u32, cluster: u32| {
            format!(
                "[[variant]]\nid = \"t/c\"\nbackend = \"cuda\"\nkernel = \"gemv_nn_cluster\"\nparams = {{ COLS = {cols}, MAX_M = 1, UNROLL = 8, CLUSTER = {cluster} }}\n[variant.supports]\nlayouts = [\"nn\"]\ndtypes = [\"bf16\"]\nm_max = 1\n"
            )
        };
        for cluster in [1, 2, 3, 8, 9, 14, 16] {
            parse(&nn(64, cluster)).unwrap();
        }
        for cols in [32, 64, 128, 256] {
            parse(&nn(cols, 8)).unwrap();
        }
        for bad in [96, 160, 192, 224] {
            let err = error_of(&nn(bad, 8));
            assert!(err.contains("must be 32, 64, 128 or 256"), "{bad}: {err}");
        }
        // Past the family's ranges, the parameter check refuses them first.
        assert!(error_of(&nn(64, 17)).contains("CLUSTER"));
        assert!(error_of(&nn(48, 8)).contains("COLS"));
    }

    #[test]
    fn a_prefetch_is_a_size_ptx_knows() {
        let mma = |bytes: u32| {
            format!(
                "[[variant]]\nid = \"t/p\"\nbackend = \"cuda\"\nkernel = \"gemv_mma\"\nparams = {{ WARPS = 4, TILES = 1, UNROLL = 2, MAX_M = 8, PREFETCH = {bytes} }}\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"bf16\"]\nm_max = 8\nk_multiple = 8\n"
            )
        };
        for ok in [0, 64, 128, 256] {
            parse(&mma(ok)).unwrap();
        }
        let err = error_of(&mma(192));
        assert!(err.contains("must be 0, 64, 128 or 256"), "{err}");
        // Off the family's multiple of 64, the parameter check refuses it first.
        assert!(error_of(&mma(100)).contains("PREFETCH"));
    }

    #[test]
    fn chunks_divide_eight_and_leave_room_for_the_rows_of_x() {
        let mma = |chunks: u32, max_m: u32, lines: bool| {
            format!(
                "[[variant]]\nid = \"t/c\"\nbackend = \"cuda\"\nkernel = \"gemv_mma\"\nparams = {{ WARPS = 4, TILES = 1, UNROLL = 2, SPAN = 2, MAX_M = {max_m}, LINES = {lines}, CHUNKS = {chunks} }}\n[variant.supports]\nlayouts = [\"nt\"]\ndtypes = [\"bf16\"]\nm_max = {max_m}\nk_multiple = 8\n"
            )
        };
        for (chunks, max_m) in [(1, 16), (2, 8), (4, 4), (8, 2)] {
            parse(&mma(chunks, max_m, false)).unwrap();
        }
        parse(&mma(1, 16, true)).unwrap();
        assert!(error_of(&mma(3, 4, false)).contains("must be 1, 2, 4 or 8"));
        assert!(error_of(&mma(4, 8, false)).contains("at most 4 rows of x, not MAX_M = 8"));
        assert!(error_of(&mma(2, 8, true)).contains("does not go with LINES"));
        // XPASS passes of x: room for 16·XPASS / CHUNKS rows, at most CHUNKS passes.
        let passes = |chunks: u32, max_m: u32, xpass: u32| {
            mma(chunks, max_m, false).replace(
                &format!("CHUNKS = {chunks} }}"),
                &format!("CHUNKS = {chunks}, XPASS = {xpass} }}"),
            )
        };
        for (chunks, max_m, xpass) in [(2, 16, 2), (4, 8, 2), (4, 16, 4), (8, 16, 8)] {
            parse(&passes(chunks, max_m, xpass)).unwrap();
        }
        let err = error_of(&passes(2, 16, 1));
        assert!(err.contains("at most 8 rows of x, not MAX_M = 16"), "{err}");
        let err = error_of(&passes(2, 16, 4));
        assert!(
            err.contains("at most 2 passes of x, not XPASS = 4"),
            "{err}"
        );
        assert!(error_of(&passes(1, 16, 2)).contains("at most 1 passes"));
        // XPASS without CHUNKS (CHUNKS = 1 by default) is refused here too, not by the compiler.
        let no_chunks = mma(1, 16, false).replace(", CHUNKS = 1 }", ", XPASS = 2 }");
        assert!(error_of(&no_chunks).contains("at most 1 passes"));
    }

    #[test]
    fn compiled_limits_and_layouts_must_match_the_claims() {
        let tiled = |params: &str, supports: &str| {
            format!(
                "[[variant]]\nid = \"t/x\"\nbackend = \"cuda\"\nkernel = \"{}\"\nparams = {{ {params} }}\n[variant.supports]\ndtypes = [\"bf16\"]\n{supports}\n",
                if params.contains("MAX_N") { "gemv_smalln" } else { "gemm_tiles" }
            )
        };
        let ok = tiled(
            "BM = 8, BN = 128, BK = 64, W_NT = true",
            "layouts = [\"nt\"]",
        );
        assert!(parse(&ok).is_ok());
        let err = error_of(&tiled(
            "BM = 8, BN = 128, BK = 64, W_NT = false",
            "layouts = [\"nt\"]",
        ));
        assert!(err.contains("W_NT = false reads W as nn"), "{err}");
        let err = error_of(&tiled(
            "BM = 8, BN = 128, BK = 64, W_NT = true",
            "layouts = [\"nt\", \"nn\"]",
        ));
        assert!(err.contains("supports.layouts must be [\"nt\"]"), "{err}");
        let smalln = "WARPS = 4, MAX_N = 16, UNROLL = 2";
        let err = error_of(&tiled(smalln, "layouts = [\"nt\"]"));
        assert!(
            err.contains("MAX_N = 16 needs supports.n_max ≤ 16"),
            "{err}"
        );
        let err = error_of(&tiled(smalln, "layouts = [\"nt\"]\nn_max = 17"));
        assert!(
            err.contains("MAX_N = 16 needs supports.n_max ≤ 16"),
            "{err}"
        );
        let caps = parse(&tiled(smalln, "layouts = [\"nt\"]\nn_max = 8")).unwrap();
        assert_eq!(caps.variants[0].supports.n_max, Some(8));
        let err = error_of(&tiled(smalln, "layouts = [\"nt\"]\nn_max = 0"));
        assert!(err.contains("n_max = 0 is impossible"), "{err}");
    }

    #[test]
    fn malformed_toml_names_file_and_line() {
        let err = error_of(&GOOD.replace("m_max = 16", "m_max = = 16"));
        assert!(err.starts_with("test.toml:9: "), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused_with_line() {
        let err = error_of(&GOOD.replace("m_max = 16", "m_max = 16\nwarp_size = 32"));
        assert!(err.starts_with("test.toml:10: "), "{err}");
        assert!(err.contains("unknown field `warp_size`"), "{err}");
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let err = error_of(&format!("{GOOD}{GOOD}"));
        assert!(err.starts_with("test.toml:12: "), "{err}");
        assert!(
            err.contains("duplicate variant id 'cpu/one' (first defined at line 3)"),
            "{err}"
        );
    }

    #[test]
    fn impossible_capabilities_are_refused() {
        let err = error_of(&GOOD.replace("m_max = 16", "m_max = 0"));
        assert!(err.starts_with("test.toml:9: "), "{err}");
        assert!(err.contains("m_max = 0 is impossible"), "{err}");
        let err = error_of(&GOOD.replace("m_max = 16", "m_max = 4\nm_min = 8"));
        assert!(
            err.contains("m_max = 4 is below supports.m_min = 8"),
            "{err}"
        );
        let err = error_of(&GOOD.replace("m_max = 16", "k_multiple = 0"));
        assert!(err.contains("k_multiple = 0 is impossible"), "{err}");
        let err = error_of(&GOOD.replace("m_max = 16", "n_values = []"));
        assert!(err.contains("n_values must list at least one n"), "{err}");
        let err = error_of(&GOOD.replace("layouts = [\"nt\"]", "layouts = []"));
        assert!(err.contains("supports.layouts is empty"), "{err}");
    }

    #[test]
    fn unknown_dtype_is_refused_with_line() {
        let err = error_of(&GOOD.replace("\"f32\"", "\"fp8\""));
        assert!(err.starts_with("test.toml:8: "), "{err}");
        assert!(err.contains("fp8"), "{err}");
    }

    #[test]
    fn unknown_kernels_and_params_are_refused() {
        let err = error_of(&GOOD.replace("cpu_naive", "cpu_magic"));
        assert!(err.starts_with("test.toml:5: "), "{err}");
        assert!(err.contains("no kernel family 'cpu_magic'"), "{err}");
        let err = error_of(&GOOD.replace(
            "kernel = \"cpu_naive\"",
            "kernel = \"cpu_naive\"\nparams = { BM = 8 }",
        ));
        assert!(err.contains("takes no parameter 'BM'"), "{err}");
        let err = error_of(&GOOD.replace(
            "kernel = \"cpu_naive\"",
            "kernel = \"cpu_rayon\"\nparams = { columns_per_task = 0 }",
        ));
        assert!(
            err.contains("columns_per_task = 0 must be an integer in 1..="),
            "{err}"
        );
    }

    #[test]
    fn ids_must_be_family_slash_name() {
        let err = error_of(&GOOD.replace("cpu/one", "Naive"));
        assert!(err.contains("must look like 'family/name'"), "{err}");
    }

    #[test]
    fn a_glob_matching_nothing_is_an_error() {
        let reg = parse(GOOD).unwrap();
        assert_eq!(reg.select(&["cpu/*".into()]).unwrap().len(), 1);
        let err = reg.select(&["cuda/*".into()]).unwrap_err();
        assert!(err.contains("'cuda/*' matches no variant"), "{err}");
    }
}
