//! Shape sets: the matrix products of real models' decode steps, declared in TOML.
//!
//! The embedded sets come from `shapes/*.toml`; a user adds more with a file of the same format,
//! a `--shape m,n,k[,nn][,bias]` on the command line, or a Hugging Face `config.json`
//! (see `model_config`). A set name may carry a row-count suffix: `SET@m8`, `SET@m2,4`,
//! `SET@batch` (the set's batch sizes) or `SET@all` (its own rows plus the batch sizes).

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::problem::{Dtype, Epilogue, Layout, Problem};
use crate::source::{DataError, SourceFile};

/// Why a `--shapes` argument could not be resolved: a located file error or a plain message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ShapeError(pub String);

impl From<String> for ShapeError {
    fn from(s: String) -> Self {
        ShapeError(s)
    }
}

impl From<DataError> for ShapeError {
    fn from(e: DataError) -> Self {
        ShapeError(e.to_string())
    }
}

/// One named product of one model (or of a test set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// The set it came from (`qwen2.5-0.5b`, `cli`, a file name).
    pub set: String,
    /// Its role in the model (`qkv`, `lm_head`), or the text it was given as.
    pub name: String,
    pub problem: Problem,
}

impl Shape {
    pub fn label(&self) -> String {
        format!("{}/{} {}", self.set, self.name, self.problem)
    }
}

#[derive(Clone, Debug)]
pub struct ShapeSet {
    pub name: String,
    pub description: String,
    /// Row counts that `@batch` and `@all` select, besides each shape's own.
    pub batch_m: Vec<usize>,
    /// Transformer layers of the model (what `skinny decode` repeats the per-layer shapes for).
    pub layers: Option<usize>,
    pub shapes: Vec<Shape>,
}

/// The embedded shape sets: (path for messages, text).
const EMBEDDED_SETS: &[(&str, &str)] = &[
    (
        "shapes/qwen2.5-0.5b.toml",
        include_str!("../../../shapes/qwen2.5-0.5b.toml"),
    ),
    (
        "shapes/llama-3-8b.toml",
        include_str!("../../../shapes/llama-3-8b.toml"),
    ),
    (
        "shapes/decode-grid.toml",
        include_str!("../../../shapes/decode-grid.toml"),
    ),
    (
        "shapes/tiny-n.toml",
        include_str!("../../../shapes/tiny-n.toml"),
    ),
    (
        "shapes/smoke.toml",
        include_str!("../../../shapes/smoke.toml"),
    ),
];

/// The set the probe runs when none is named.
pub const DEFAULT_SET: &str = "qwen2.5-0.5b";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_dtype")]
    dtype: Dtype,
    #[serde(default)]
    batch_m: Vec<usize>,
    layers: Option<usize>,
    #[serde(default)]
    shape: Vec<Spanned<ShapeEntry>>,
}

fn default_dtype() -> Dtype {
    Dtype::Bf16
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeEntry {
    name: String,
    #[serde(default = "one")]
    m: usize,
    n: usize,
    k: usize,
    #[serde(default = "default_layout")]
    layout: Layout,
    dtype: Option<Dtype>,
    #[serde(default)]
    epilogue: EpilogueName,
    alpha: Option<f32>,
    beta: Option<f32>,
}

fn one() -> usize {
    1
}

fn default_layout() -> Layout {
    Layout::Nt
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum EpilogueName {
    #[default]
    None,
    Bias,
    Axpby,
}

impl ShapeSet {
    pub fn parse(source: &SourceFile) -> Result<ShapeSet, DataError> {
        let file: SetFile = source.parse_toml()?;
        if file.name.trim().is_empty() {
            return Err(source.error_at(None, "the set's name is empty"));
        }
        if file.shape.is_empty() {
            return Err(source.error_at(None, format!("set '{}' has no [[shape]]", file.name)));
        }
        if let Some(bad) = file.batch_m.iter().find(|&&m| m == 0) {
            return Err(source.error_at(
                None,
                format!("batch_m contains {bad}: every row count must be at least 1"),
            ));
        }
        let mut shapes = Vec::with_capacity(file.shape.len());
        for entry in file.shape {
            let span = entry.span();
            let e = entry.into_inner();
            let at = |msg: String| source.error_at(Some(span.clone()), msg);
            let epilogue = match (e.epilogue, e.alpha, e.beta) {
                (EpilogueName::Axpby, alpha, beta) => Epilogue::Axpby {
                    alpha: alpha.unwrap_or(1.0),
                    beta: beta.unwrap_or(1.0),
                },
                (_, None, None) => match e.epilogue {
                    EpilogueName::Bias => Epilogue::Bias,
                    _ => Epilogue::None,
                },
                _ => {
                    return Err(at(format!(
                        "shape '{}': alpha and beta apply only to epilogue = \"axpby\"",
                        e.name
                    )))
                }
            };
            let problem = Problem::new(
                e.m,
                e.n,
                e.k,
                e.layout,
                e.dtype.unwrap_or(file.dtype),
                epilogue,
            )
            .map_err(|err| at(format!("shape '{}': {err}", e.name)))?;
            shapes.push(Shape {
                set: file.name.clone(),
                name: e.name,
                problem,
            });
        }
        if file.layers == Some(0) {
            return Err(source.error_at(None, "layers = 0: a model has at least one layer"));
        }
        Ok(ShapeSet {
            name: file.name,
            description: file.description,
            batch_m: file.batch_m,
            layers: file.layers,
            shapes,
        })
    }

    /// The shapes at the rows a suffix asks for (`m8`, `m2,4`, `batch`, `all`; empty: as declared).
    pub fn at_rows(&self, suffix: &str) -> Result<Vec<Shape>, String> {
        let rows: Option<Vec<usize>> = match suffix {
            "" => None,
            "batch" | "all" if self.batch_m.is_empty() => {
                return Err(format!(
                    "shape set '{}' declares no batch sizes (batch_m), so '@{suffix}' selects \
                     nothing; use '@mN' instead",
                    self.name
                ))
            }
            "batch" => Some(self.batch_m.clone()),
            "all" => None,
            _ => Some(parse_row_list(suffix).map_err(|e| {
                format!(
                    "'{}@{suffix}': {e} (expected @mN, @mN,N,..., @batch or @all)",
                    self.name
                )
            })?),
        };
        let mut out = Vec::new();
        let mut add = |shape: &Shape, m: usize| -> Result<(), String> {
            let problem = shape
                .problem
                .with_m(m)
                .map_err(|e| format!("{} at m = {m}: {e}", shape.label()))?;
            out.push(Shape {
                problem,
                ..shape.clone()
            });
            Ok(())
        };
        match rows {
            Some(rows) => {
                for m in rows {
                    for shape in &self.shapes {
                        add(shape, m)?;
                    }
                }
            }
            None => {
                for shape in &self.shapes {
                    add(shape, shape.problem.m())?;
                }
                if suffix == "all" {
                    for &m in &self.batch_m {
                        for shape in &self.shapes {
                            add(shape, m)?;
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

fn parse_row_list(suffix: &str) -> Result<Vec<usize>, String> {
    let list = suffix
        .strip_prefix('m')
        .ok_or_else(|| format!("unknown row selector '@{suffix}'"))?;
    list.split(',')
        .map(|item| match item.trim().parse::<usize>() {
            Ok(0) => Err("m = 0: every dimension must be at least 1".to_string()),
            Ok(m) => Ok(m),
            Err(_) => Err(format!("'{item}' is not a row count")),
        })
        .collect()
}

/// Every embedded set, parsed.
pub fn embedded_sets() -> Result<Vec<ShapeSet>, DataError> {
    EMBEDDED_SETS
        .iter()
        .map(|(path, text)| ShapeSet::parse(&SourceFile::embedded(path, text)))
        .collect()
}

/// Split `NAME@SUFFIX` when the suffix is a row selector; a path may itself contain '@'.
pub fn split_row_suffix(spec: &str) -> (&str, &str) {
    match spec.rsplit_once('@') {
        Some((base, suffix))
            if matches!(suffix, "batch" | "all")
                || suffix
                    .strip_prefix('m')
                    .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == ',')) =>
        {
            (base, suffix)
        }
        _ => (spec, ""),
    }
}

/// Resolve one `--shapes` argument: an embedded set's name or a TOML file, with an optional row
/// suffix.
pub fn resolve_set(spec: &str) -> Result<Vec<Shape>, ShapeError> {
    let (base, suffix) = split_row_suffix(spec);
    Ok(load_set(base)?.at_rows(suffix)?)
}

/// A whole set by embedded name or TOML path (no row suffix).
pub fn load_set(base: &str) -> Result<ShapeSet, ShapeError> {
    let path = Path::new(base);
    if path.is_file() {
        Ok(ShapeSet::parse(&SourceFile::read(path)?)?)
    } else if base.ends_with(".toml") || base.contains('/') {
        Err(format!("shape file '{base}' does not exist").into())
    } else {
        embedded_set(base)
    }
}

/// An embedded set by name.
pub fn embedded_set(name: &str) -> Result<ShapeSet, ShapeError> {
    let sets = embedded_sets()?;
    let names: Vec<String> = sets.iter().map(|s| s.name.clone()).collect();
    sets.into_iter().find(|s| s.name == name).ok_or_else(|| {
        format!(
            "unknown shape set '{name}' (embedded sets: {}; or give the path of a .toml file)",
            names.join(", ")
        )
        .into()
    })
}

/// Drop repeated shapes (the same set, name and problem), keeping the first of each.
pub fn dedup(shapes: Vec<Shape>) -> Vec<Shape> {
    let mut out: Vec<Shape> = Vec::with_capacity(shapes.len());
    for shape in shapes {
        if !out.contains(&shape) {
            out.push(shape);
        }
    }
    out
}

/// Parse `--shape m,n,k[,nt|nn][,bias|axpby][,bf16|f16|f32]`.
pub fn parse_shape_arg(spec: &str) -> Result<Shape, String> {
    let fail = |msg: String| format!("--shape '{spec}': {msg}");
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    if parts.len() < 3 {
        return Err(fail(
            "expected m,n,k followed by optional nt|nn, bias|axpby, bf16|f16|f32".into(),
        ));
    }
    let mut dims = [0usize; 3];
    for (i, (slot, name)) in dims.iter_mut().zip(["m", "n", "k"]).enumerate() {
        *slot = parts[i]
            .parse()
            .map_err(|_| fail(format!("{name} = '{}' is not a whole number", parts[i])))?;
    }
    let (mut layout, mut dtype, mut epilogue) = (Layout::Nt, Dtype::Bf16, Epilogue::None);
    for flag in &parts[3..] {
        match *flag {
            "bias" => epilogue = Epilogue::Bias,
            "axpby" => {
                epilogue = Epilogue::Axpby {
                    alpha: 1.0,
                    beta: 1.0,
                }
            }
            other => {
                if let Ok(l) = other.parse::<Layout>() {
                    layout = l;
                } else if let Ok(d) = other.parse::<Dtype>() {
                    dtype = d;
                } else {
                    return Err(fail(format!(
                        "unknown option '{other}' (expected nt, nn, bias, axpby, bf16, f16 or f32)"
                    )));
                }
            }
        }
    }
    let problem = Problem::new(dims[0], dims[1], dims[2], layout, dtype, epilogue)
        .map_err(|e| fail(e.to_string()))?;
    Ok(Shape {
        set: "cli".into(),
        name: spec.to_string(),
        problem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(shapes: &[Shape]) -> Vec<(String, usize, usize, usize, Epilogue)> {
        shapes
            .iter()
            .map(|s| {
                let p = &s.problem;
                (s.name.clone(), p.m(), p.n(), p.k(), p.epilogue())
            })
            .collect()
    }

    #[test]
    fn qwen_set_matches_the_model() {
        let shapes = resolve_set("qwen2.5-0.5b").unwrap();
        assert_eq!(
            dims(&shapes),
            vec![
                ("qkv".into(), 1, 1152, 896, Epilogue::Bias),
                ("o".into(), 1, 896, 896, Epilogue::None),
                ("gate_up".into(), 1, 9728, 896, Epilogue::None),
                ("down".into(), 1, 896, 4864, Epilogue::None),
                ("lm_head".into(), 1, 151936, 896, Epilogue::None),
            ]
        );
        assert!(shapes
            .iter()
            .all(|s| s.problem.dtype() == Dtype::Bf16 && s.problem.layout() == Layout::Nt));
    }

    #[test]
    fn llama_set_matches_the_model() {
        let shapes = resolve_set("llama-3-8b").unwrap();
        assert_eq!(
            dims(&shapes),
            vec![
                ("qkv".into(), 1, 6144, 4096, Epilogue::None),
                ("o".into(), 1, 4096, 4096, Epilogue::None),
                ("gate_up".into(), 1, 28672, 4096, Epilogue::None),
                ("down".into(), 1, 4096, 14336, Epilogue::None),
                ("lm_head".into(), 1, 128256, 4096, Epilogue::None),
            ]
        );
    }

    #[test]
    fn row_suffixes_select_batch_sizes() {
        let m8 = resolve_set("llama-3-8b@m8").unwrap();
        assert!(m8.len() == 5 && m8.iter().all(|s| s.problem.m() == 8));
        let two = resolve_set("qwen2.5-0.5b@m2,16").unwrap();
        let rows: Vec<usize> = two.iter().map(|s| s.problem.m()).collect();
        assert_eq!(rows, [2, 2, 2, 2, 2, 16, 16, 16, 16, 16]);
        let batch = resolve_set("qwen2.5-0.5b@batch").unwrap();
        assert_eq!(batch.len(), 20);
        let all = resolve_set("qwen2.5-0.5b@all").unwrap();
        assert_eq!(all.len(), 25);
        let err = resolve_set("tiny-n@batch").unwrap_err().to_string();
        assert!(err.contains("declares no batch sizes"), "{err}");
        let err = resolve_set("smoke@m0").unwrap_err().to_string();
        assert!(err.contains("m = 0"), "{err}");
    }

    #[test]
    fn tiny_n_and_smoke_exist() {
        assert_eq!(
            dims(&resolve_set("tiny-n").unwrap()),
            vec![("lora_a".into(), 128, 8, 512, Epilogue::None)]
        );
        let smoke = resolve_set("smoke").unwrap();
        assert!(smoke.len() >= 5);
        // Small enough for a debug-build test: under a million multiply-adds each.
        assert!(smoke.iter().all(|s| s.problem.flops() < 2_000_000));
    }

    #[test]
    fn unknown_set_names_list_the_known_ones() {
        let err = resolve_set("qwen3").unwrap_err().to_string();
        assert!(err.contains("unknown shape set 'qwen3'"), "{err}");
        assert!(err.contains("llama-3-8b"), "{err}");
        let err = resolve_set("missing/dir/shapes.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn shape_arguments_parse_and_check() {
        let s = parse_shape_arg("4,1152,896,nn,bias,f16").unwrap();
        let p = s.problem;
        assert_eq!((p.m(), p.n(), p.k()), (4, 1152, 896));
        assert_eq!(
            (p.layout(), p.dtype(), p.epilogue()),
            (Layout::Nn, Dtype::F16, Epilogue::Bias)
        );
        let err = parse_shape_arg("1,0,896").unwrap_err();
        assert_eq!(
            err,
            "--shape '1,0,896': n = 0: every dimension must be at least 1"
        );
        let err = parse_shape_arg("1,99999999999,99999999999").unwrap_err();
        assert!(err.contains("32-bit kernel indexing"), "{err}");
        let err = parse_shape_arg("1,2").unwrap_err();
        assert!(err.contains("expected m,n,k"), "{err}");
        let err = parse_shape_arg("1,2,3,gelu").unwrap_err();
        assert!(err.contains("unknown option 'gelu'"), "{err}");
        let err = parse_shape_arg("1,-2,3").unwrap_err();
        assert!(err.contains("n = '-2' is not a whole number"), "{err}");
    }

    fn parse(text: &str) -> Result<ShapeSet, DataError> {
        ShapeSet::parse(&SourceFile {
            name: "s.toml".into(),
            text: text.into(),
        })
    }

    #[test]
    fn shape_file_errors_carry_lines() {
        let err = parse("name = \"x\"\n[[shape]]\nname = \"a\"\nn = 0\nk = 4\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.message.contains("shape 'a': n = 0"), "{err}");
        let err =
            parse("name = \"x\"\n[[shape]]\nname = \"a\"\nn = 4\nk = 4\nbatch = 2\n").unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(err.message.contains("unknown field `batch`"), "{err}");
        let err = parse("name = \"x\"\n[[shape]]\nname = \"a\"\nn = 4\nk = 4\nalpha = 2.0\n")
            .unwrap_err();
        assert!(
            err.message.contains("only to epilogue = \"axpby\""),
            "{err}"
        );
        let err = parse("name = \"x\"\n[[shape]]\nname = \"a\"\nn = 4\nk = 4\ndtype = \"f8\"\n")
            .unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
    }
}
