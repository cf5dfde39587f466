//! `skinny list variants|shapes`.

use anyhow::Result;

use skinny::registry::Capabilities;
use skinny::shapes;

use crate::probe_cmd::collect_shapes;
use crate::{tables, ListWhat, ShapeArgs};

fn describe_capabilities(c: &Capabilities) -> String {
    let mut parts = vec![
        c.layouts
            .iter()
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join("/"),
        c.dtypes
            .iter()
            .map(|d| d.name())
            .collect::<Vec<_>>()
            .join("/"),
    ];
    if c.bias {
        parts.push("bias".into());
    }
    if c.accumulate {
        parts.push("axpby".into());
    }
    parts.push(match c.m_max {
        Some(max) => format!("m {}..={max}", c.m_min),
        None => format!("m ≥ {}", c.m_min),
    });
    if c.k_min > 1 {
        parts.push(format!("k ≥ {}", c.k_min));
    }
    if let Some(max) = c.k_max {
        parts.push(format!("k ≤ {max}"));
    }
    if c.k_multiple > 1 {
        parts.push(format!("k % {} = 0", c.k_multiple));
    }
    if c.n_multiple > 1 {
        parts.push(format!("n % {} = 0", c.n_multiple));
    }
    if let Some(values) = &c.n_values {
        let v: Vec<String> = values.iter().map(|n| n.to_string()).collect();
        parts.push(format!("n ∈ {{{}}}", v.join(", ")));
    }
    parts.join(", ")
}

pub fn run(what: &ListWhat) -> Result<()> {
    match what {
        ListWhat::Variants { registry } => {
            let registry = registry.load()?;
            println!(
                "{} variants from {}",
                registry.variants.len(),
                registry.source
            );
            let mut t = tables::table(&[
                "id",
                "backend",
                "kernel",
                "params",
                "supports",
                "description",
            ]);
            for v in &registry.variants {
                let params: Vec<String> =
                    v.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                t.add_row(vec![
                    v.id.clone(),
                    v.backend.to_string(),
                    v.kernel.clone(),
                    params.join(" "),
                    describe_capabilities(&v.supports),
                    v.description.clone(),
                ]);
            }
            println!("{t}");
        }
        ListWhat::Shapes(args) => {
            let named =
                !(args.shapes.is_empty() && args.shape.is_empty() && args.model_config.is_empty());
            let selected = if named {
                collect_shapes(args)?
            } else {
                for set in shapes::embedded_sets()? {
                    let rows = if set.batch_m.is_empty() {
                        String::new()
                    } else {
                        format!(" (@batch: m = {:?})", set.batch_m)
                    };
                    println!("{}: {}{rows}", set.name, set.description);
                }
                let all: Vec<String> = shapes::embedded_sets()?
                    .into_iter()
                    .map(|s| s.name)
                    .collect();
                collect_shapes(&ShapeArgs {
                    shapes: all,
                    ..ShapeArgs::default()
                })?
            };
            let mut t = tables::table(&[
                "set",
                "shape",
                "m",
                "n",
                "k",
                "layout",
                "dtype",
                "epilogue",
                "weights MB",
            ]);
            for s in &selected {
                let p = s.problem;
                t.add_row(vec![
                    s.set.clone(),
                    s.name.clone(),
                    p.m().to_string(),
                    p.n().to_string(),
                    p.k().to_string(),
                    p.layout().to_string(),
                    p.dtype().to_string(),
                    p.epilogue().to_string(),
                    format!("{:.2}", p.weight_bytes() as f64 / 1e6),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(())
}
