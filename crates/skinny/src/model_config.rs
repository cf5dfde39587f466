//! Decode shapes derived from a Hugging Face `config.json`.
//!
//! One decode step of a dense transformer runs, per layer, the fused q/k/v projection, the
//! attention output projection, the fused gate+up projection and the down projection, then the
//! lm_head once. Their sizes follow from a handful of config fields; which of them carry a bias
//! depends on the model family (Qwen2 always biases q/k/v; most others follow `attention_bias`).

use std::path::Path;

use serde::Deserialize;

use crate::problem::{Dtype, Epilogue, Layout, Problem};
use crate::shapes::{split_row_suffix, Shape, ShapeError, ShapeSet};
use crate::source::{DataError, SourceFile};

/// The fields skinny reads; the many others of a real config are ignored.
#[derive(Deserialize)]
struct HfConfig {
    model_type: Option<String>,
    hidden_size: usize,
    intermediate_size: usize,
    num_attention_heads: usize,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    vocab_size: usize,
    num_hidden_layers: Option<usize>,
    attention_bias: Option<bool>,
    mlp_bias: Option<bool>,
    torch_dtype: Option<String>,
    /// Newer transformers versions write `dtype` instead of `torch_dtype`.
    dtype: Option<String>,
    num_local_experts: Option<usize>,
    num_experts: Option<usize>,
}

/// Model families whose q/k/v projections carry a bias whatever `attention_bias` says (their
/// modelling code hard-codes it and their configs have no such field), and whose output
/// projection has none.
const QKV_BIAS_FAMILIES: &[&str] = &["qwen2", "qwen2_vl", "qwen2_5_vl"];

/// Resolve one `--model-config PATH[@ROWS]` argument to its shapes.
pub fn resolve(spec: &str) -> Result<Vec<Shape>, ShapeError> {
    let (path, suffix) = split_row_suffix(spec);
    Ok(load(Path::new(path))?.at_rows(suffix)?)
}

pub fn load(path: &Path) -> Result<ShapeSet, DataError> {
    let source = SourceFile::read(path)?;
    parse(&source, &set_name(path))
}

/// `models/Qwen2.5-0.5B/config.json` is named after its folder; any other file after its stem.
fn set_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("model");
    if stem == "config" {
        if let Some(dir) = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
        {
            return dir.to_string();
        }
    }
    stem.to_string()
}

pub fn parse(source: &SourceFile, name: &str) -> Result<ShapeSet, DataError> {
    let config: HfConfig = serde_json::from_str(&source.text).map_err(|e| DataError {
        file: source.name.clone(),
        line: (e.line() > 0).then_some(e.line()),
        message: format!("not a usable Hugging Face config: {e}"),
    })?;
    let fail = |message: String| source.error_at(None, message);

    if config.num_local_experts.or(config.num_experts).unwrap_or(0) > 0 {
        return Err(fail(
            "mixture-of-experts configs are not supported: their expert projections are not \
             the dense shapes derived here"
                .into(),
        ));
    }
    let heads = config.num_attention_heads;
    if heads == 0 {
        return Err(fail("num_attention_heads = 0".into()));
    }
    let kv_heads = config.num_key_value_heads.unwrap_or(heads);
    let head_dim = match config.head_dim {
        Some(d) => d,
        None if config.hidden_size % heads == 0 => config.hidden_size / heads,
        None => {
            return Err(fail(format!(
                "hidden_size {} is not a multiple of num_attention_heads {heads} and there is no \
                 head_dim",
                config.hidden_size
            )))
        }
    };
    let model_type = config.model_type.clone().unwrap_or_default();
    let (qkv_bias, o_bias) = if QKV_BIAS_FAMILIES.contains(&model_type.as_str()) {
        (true, false)
    } else {
        let b = config.attention_bias.unwrap_or(false);
        (b, b)
    };
    let mlp_bias = config.mlp_bias.unwrap_or(false);
    let dtype = match config.torch_dtype.as_deref().or(config.dtype.as_deref()) {
        None | Some("bfloat16") => Dtype::Bf16,
        Some("float16") => Dtype::F16,
        Some("float32") => Dtype::F32,
        Some(other) => {
            return Err(fail(format!(
                "torch_dtype '{other}' is not bf16, f16 or f32"
            )))
        }
    };

    let hidden = config.hidden_size;
    let projections = [
        ("qkv", (heads + 2 * kv_heads) * head_dim, hidden, qkv_bias),
        ("o", hidden, heads * head_dim, o_bias),
        ("gate_up", 2 * config.intermediate_size, hidden, mlp_bias),
        ("down", hidden, config.intermediate_size, mlp_bias),
        ("lm_head", config.vocab_size, hidden, false),
    ];
    let mut shapes = Vec::with_capacity(projections.len());
    for (role, n, k, bias) in projections {
        let epilogue = if bias { Epilogue::Bias } else { Epilogue::None };
        let problem = Problem::new(1, n, k, Layout::Nt, dtype, epilogue)
            .map_err(|e| fail(format!("the {role} projection: {e}")))?;
        shapes.push(Shape {
            set: name.to_string(),
            name: role.to_string(),
            problem,
        });
    }
    Ok(ShapeSet {
        name: name.to_string(),
        description: format!(
            "{} from {} (hidden {hidden}, {heads} heads and {kv_heads} KV heads of {head_dim})",
            if model_type.is_empty() {
                "model"
            } else {
                &model_type
            },
            source.name
        ),
        batch_m: vec![2, 4, 8, 16],
        layers: config.num_hidden_layers.filter(|&l| l > 0),
        shapes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<ShapeSet, DataError> {
        parse(
            &SourceFile {
                name: "config.json".into(),
                text: text.into(),
            },
            "m",
        )
    }

    #[test]
    fn missing_fields_and_bad_json_are_named() {
        let err = parse_text(r#"{"hidden_size": 8}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("missing field `intermediate_size`"),
            "{err}"
        );
        let err = parse_text("{\n\"hidden_size\": ,\n}").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn moe_configs_are_refused() {
        let err = parse_text(
            r#"{"hidden_size": 8, "intermediate_size": 8, "num_attention_heads": 2,
                "vocab_size": 10, "num_local_experts": 8}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("mixture-of-experts"), "{err}");
    }

    #[test]
    fn attention_bias_applies_to_qkv_and_o_outside_qwen2() {
        let set = parse_text(
            r#"{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
                "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
                "vocab_size": 100, "attention_bias": true, "torch_dtype": "float16"}"#,
        )
        .unwrap();
        let by_name = |n: &str| set.shapes.iter().find(|s| s.name == n).unwrap().problem;
        assert_eq!(by_name("qkv").n(), (4 + 2 * 2) * 32);
        assert_eq!(by_name("o").k(), 4 * 32);
        assert_eq!(by_name("qkv").epilogue(), Epilogue::Bias);
        assert_eq!(by_name("o").epilogue(), Epilogue::Bias);
        assert_eq!(by_name("down").epilogue(), Epilogue::None);
        assert_eq!(by_name("lm_head").dtype(), Dtype::F16);
    }
}
