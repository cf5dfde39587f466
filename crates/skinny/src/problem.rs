//! The problem model: one decode matrix product `y = x·Wᵀ` (+ epilogue), its shape, storage and
//! element type, and what it costs in bytes moved and flops done.
//!
//! A `Problem` is always valid once built: every dimension is at least 1 and every tensor fits the
//! 32-bit element indexing that GPU kernels use. Everything downstream (plan, backends, reports)
//! relies on that, so the only way in is `Problem::new`, which checks.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Largest number of elements one tensor may hold. Kernels index with 32-bit signed integers; a
/// bf16 weight of this many elements is 4 GiB, more than any decode projection of a public model.
pub const MAX_TENSOR_ELEMENTS: u64 = i32::MAX as u64;

/// Element type of x, W, bias and y. Accumulation is always in f32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    Bf16,
    F16,
    F32,
}

impl Dtype {
    pub const ALL: [Dtype; 3] = [Dtype::Bf16, Dtype::F16, Dtype::F32];

    pub fn size_bytes(self) -> u64 {
        match self {
            Dtype::Bf16 | Dtype::F16 => 2,
            Dtype::F32 => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dtype::Bf16 => "bf16",
            Dtype::F16 => "f16",
            Dtype::F32 => "f32",
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dtype {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dtype::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| format!("unknown dtype '{s}' (expected bf16, f16 or f32)"))
    }
}

/// How W is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// W is `[n, k]` row-major and `y = x·Wᵀ`: PyTorch / Hugging Face `Linear` weights.
    Nt,
    /// W is `[k, n]` row-major and `y = x·W`.
    Nn,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::Nt, Layout::Nn];

    pub fn name(self) -> &'static str {
        match self {
            Layout::Nt => "nt",
            Layout::Nn => "nn",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layout::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| format!("unknown layout '{s}' (expected nt or nn)"))
    }
}

/// What happens to `x·Wᵀ` before it is stored in y.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Epilogue {
    /// `y = x·Wᵀ`
    None,
    /// `y = x·Wᵀ + bias` with a length-n bias vector.
    Bias,
    /// `y = alpha·x·Wᵀ + beta·y`: accumulate into the y that is already there.
    Axpby { alpha: f32, beta: f32 },
}

impl Epilogue {
    pub fn name(&self) -> &'static str {
        match self {
            Epilogue::None => "none",
            Epilogue::Bias => "bias",
            Epilogue::Axpby { .. } => "axpby",
        }
    }

    /// Whether the existing y is read (and so counts as bytes moved).
    pub fn reads_y(&self) -> bool {
        matches!(self, Epilogue::Axpby { beta, .. } if *beta != 0.0)
    }
}

impl fmt::Display for Epilogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Epilogue::None => f.write_str("none"),
            Epilogue::Bias => f.write_str("bias"),
            Epilogue::Axpby { alpha, beta } => write!(f, "axpby(α={alpha}, β={beta})"),
        }
    }
}

/// Why a problem could not be built. The message names the rule that was broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemError {
    #[error("{dim} = 0: every dimension must be at least 1")]
    ZeroDimension { dim: &'static str },
    #[error(
        "{tensor} would hold {elements} elements ({dims}), more than the {max} that 32-bit kernel \
         indexing allows"
    )]
    TooLarge {
        tensor: &'static str,
        dims: String,
        elements: u128,
        max: u64,
    },
    #[error("axpby {name} = {value} is not a finite number")]
    NonFiniteScale { name: &'static str, value: f32 },
}

/// One matrix product to run: `y[m, n] = x[m, k]·Wᵀ` (+ epilogue).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedProblem")]
pub struct Problem {
    m: usize,
    n: usize,
    k: usize,
    layout: Layout,
    dtype: Dtype,
    epilogue: Epilogue,
}

/// The serialized form, checked on the way in so that a result file cannot smuggle in a problem
/// `Problem::new` would refuse.
#[derive(Deserialize)]
struct UncheckedProblem {
    m: usize,
    n: usize,
    k: usize,
    layout: Layout,
    dtype: Dtype,
    epilogue: Epilogue,
}

impl TryFrom<UncheckedProblem> for Problem {
    type Error = ProblemError;
    fn try_from(p: UncheckedProblem) -> Result<Self, Self::Error> {
        Problem::new(p.m, p.n, p.k, p.layout, p.dtype, p.epilogue)
    }
}

impl Problem {
    pub fn new(
        m: usize,
        n: usize,
        k: usize,
        layout: Layout,
        dtype: Dtype,
        epilogue: Epilogue,
    ) -> Result<Self, ProblemError> {
        for (dim, value) in [("m", m), ("n", n), ("k", k)] {
            if value == 0 {
                return Err(ProblemError::ZeroDimension { dim });
            }
        }
        let (m128, n128, k128) = (m as u128, n as u128, k as u128);
        for (tensor, dims, elements) in [
            ("x", format!("m×k = {m}×{k}"), m128 * k128),
            ("W", format!("n×k = {n}×{k}"), n128 * k128),
            ("y", format!("m×n = {m}×{n}"), m128 * n128),
        ] {
            if elements > MAX_TENSOR_ELEMENTS as u128 {
                return Err(ProblemError::TooLarge {
                    tensor,
                    dims,
                    elements,
                    max: MAX_TENSOR_ELEMENTS,
                });
            }
        }
        if let Epilogue::Axpby { alpha, beta } = epilogue {
            for (name, value) in [("alpha", alpha), ("beta", beta)] {
                if !value.is_finite() {
                    return Err(ProblemError::NonFiniteScale { name, value });
                }
            }
        }
        Ok(Problem {
            m,
            n,
            k,
            layout,
            dtype,
            epilogue,
        })
    }

    pub fn m(&self) -> usize {
        self.m
    }
    pub fn n(&self) -> usize {
        self.n
    }
    pub fn k(&self) -> usize {
        self.k
    }
    pub fn layout(&self) -> Layout {
        self.layout
    }
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }
    pub fn epilogue(&self) -> Epilogue {
        self.epilogue
    }

    /// The same problem with another row count (batched decode, speculative decoding).
    pub fn with_m(&self, m: usize) -> Result<Self, ProblemError> {
        Problem::new(m, self.n, self.k, self.layout, self.dtype, self.epilogue)
    }

    /// The same problem in another element type (no check depends on the dtype).
    pub fn with_dtype(&self, dtype: Dtype) -> Self {
        Problem { dtype, ..*self }
    }

    /// The same product with W stored the other way (sizes are unchanged).
    pub fn with_layout(&self, layout: Layout) -> Self {
        Problem { layout, ..*self }
    }

    pub fn weight_bytes(&self) -> u64 {
        (self.n as u64) * (self.k as u64) * self.dtype.size_bytes()
    }

    /// Bytes a perfect kernel must move: W, x and y once each, the bias if there is one, and y a
    /// second time when the epilogue reads it (beta ≠ 0).
    pub fn bytes_moved(&self) -> u64 {
        let (m, n, k) = (self.m as u64, self.n as u64, self.k as u64);
        let mut elements = n * k + m * k + m * n;
        if self.epilogue == Epilogue::Bias {
            elements += n;
        }
        if self.epilogue.reads_y() {
            elements += m * n;
        }
        elements * self.dtype.size_bytes()
    }

    /// 2·m·n·k: one multiply and one add per weight per row.
    pub fn flops(&self) -> u64 {
        2 * (self.m as u64) * (self.n as u64) * (self.k as u64)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}×{}×{} {} {}",
            self.m, self.n, self.k, self.layout, self.dtype
        )?;
        match self.epilogue {
            Epilogue::None => Ok(()),
            other => write!(f, " +{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(m: usize, n: usize, k: usize, epilogue: Epilogue) -> Problem {
        Problem::new(m, n, k, Layout::Nt, Dtype::Bf16, epilogue).unwrap()
    }

    #[test]
    fn bytes_and_flops_of_a_decode_projection() {
        // qwen2.5-0.5b qkv with bias: W 1152×896, x 896, y 1152, bias 1152, all bf16.
        let p = problem(1, 1152, 896, Epilogue::Bias);
        assert_eq!(p.weight_bytes(), 1152 * 896 * 2);
        assert_eq!(p.bytes_moved(), (1152 * 896 + 896 + 1152 + 1152) * 2);
        assert_eq!(p.flops(), 2 * 1152 * 896);
    }

    #[test]
    fn axpby_counts_the_read_of_y_only_when_beta_is_nonzero() {
        let reads = problem(
            2,
            8,
            16,
            Epilogue::Axpby {
                alpha: 1.0,
                beta: 0.5,
            },
        );
        let overwrites = problem(
            2,
            8,
            16,
            Epilogue::Axpby {
                alpha: 1.0,
                beta: 0.0,
            },
        );
        assert_eq!(reads.bytes_moved() - overwrites.bytes_moved(), 2 * 8 * 2);
    }

    #[test]
    fn zero_dimensions_are_refused_by_name() {
        let err = Problem::new(1, 0, 8, Layout::Nt, Dtype::F32, Epilogue::None).unwrap_err();
        assert_eq!(err.to_string(), "n = 0: every dimension must be at least 1");
    }

    #[test]
    fn tensors_past_32_bit_indexing_are_refused() {
        let err =
            Problem::new(1, 1 << 20, 1 << 12, Layout::Nt, Dtype::Bf16, Epilogue::None).unwrap_err();
        assert!(
            matches!(err, ProblemError::TooLarge { tensor: "W", .. }),
            "{err}"
        );
        // usize::MAX must not overflow the check itself.
        let err = Problem::new(
            usize::MAX,
            usize::MAX,
            2,
            Layout::Nt,
            Dtype::Bf16,
            Epilogue::None,
        )
        .unwrap_err();
        assert!(matches!(err, ProblemError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn deserializing_checks_the_problem() {
        let json = r#"{"m":1,"n":0,"k":4,"layout":"nt","dtype":"bf16","epilogue":{"kind":"none"}}"#;
        let err = serde_json::from_str::<Problem>(json).unwrap_err();
        assert!(err.to_string().contains("n = 0"), "{err}");
    }
}
