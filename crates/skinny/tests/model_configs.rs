//! A Hugging Face config of each embedded model must give exactly the embedded set's shapes.

use std::path::Path;

use skinny::model_config;
use skinny::shapes::resolve_set;

fn check(config_dir: &str, set: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(config_dir)
        .join("config.json");
    let derived = model_config::load(&path).unwrap();
    assert_eq!(derived.name, config_dir, "named after the config's folder");
    let embedded = resolve_set(set).unwrap();
    let dims = |shapes: &[skinny::shapes::Shape]| -> Vec<_> {
        shapes.iter().map(|s| (s.name.clone(), s.problem)).collect()
    };
    assert_eq!(dims(&derived.shapes), dims(&embedded));
    let embedded_set = skinny::shapes::embedded_set(set).unwrap();
    assert_eq!(derived.layers, embedded_set.layers, "layer count");
    assert!(derived.layers.is_some());
}

#[test]
fn qwen_config_gives_the_qwen_set() {
    check("qwen2.5-0.5b", "qwen2.5-0.5b");
}

#[test]
fn llama_config_gives_the_llama_set() {
    check("llama-3-8b", "llama-3-8b");
}
