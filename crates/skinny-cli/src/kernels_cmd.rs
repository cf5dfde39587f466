//! `skinny kernels`: compile every NVRTC kernel of the registry (and the backend's helpers) for
//! the target architecture and show what ptxas reports. Needs libnvrtc, not a GPU. Fails on a
//! compile error or a spill, so that CI can gate on it.

use anyhow::{bail, Result};
use comfy_table::{Cell, CellAlignment};
use skinny::backend::cuda::compile::{cache_dir, compile, nvrtc_unavailable, nvrtc_version};
use skinny::backend::cuda::kernels::{all_requests, unbuildable_on};

use crate::{tables, KernelsArgs};

pub fn run(args: &KernelsArgs) -> Result<()> {
    if let Some(why) = nvrtc_unavailable() {
        bail!("skinny kernels needs NVRTC: {why}");
    }
    let registry = args.registry.load()?;
    let (major, minor) = nvrtc_version().map_err(anyhow::Error::msg)?;
    println!(
        "NVRTC {major}.{minor}, target {}, cache {}",
        args.arch,
        cache_dir().display()
    );
    let mut table = tables::table(&[
        "variant",
        "function",
        "registers",
        "smem B",
        "stack B",
        "spill st/ld B",
        "cached",
    ]);
    let mut failures = Vec::new();
    for checked in all_requests(&registry.variants, &args.arch) {
        let label = &checked.label;
        match compile(&checked.request) {
            Err(e) => {
                table.add_row(vec![Cell::new(label), Cell::new("compile error")]);
                failures.push(format!("{label}: {e}"));
            }
            Ok(compiled) => {
                let wanted = |r: &&skinny::backend::cuda::compile::Resources| {
                    checked.entries.is_empty() || checked.entries.contains(&r.function.as_str())
                };
                for r in compiled.resources.iter().filter(wanted) {
                    if r.spills() {
                        failures.push(format!(
                            "{label}: {} spills {} bytes stored, {} loaded",
                            r.function, r.spill_store_bytes, r.spill_load_bytes
                        ));
                    }
                    let right = |v: String| Cell::new(v).set_alignment(CellAlignment::Right);
                    table.add_row(vec![
                        Cell::new(label),
                        Cell::new(&r.function),
                        right(r.registers.to_string()),
                        right(r.shared_bytes.to_string()),
                        right(r.stack_frame_bytes.to_string()),
                        right(format!("{}/{}", r.spill_store_bytes, r.spill_load_bytes)),
                        Cell::new(if compiled.from_cache { "yes" } else { "no" }),
                    ]);
                }
            }
        }
    }
    println!("{table}");
    for why in registry
        .variants
        .iter()
        .filter_map(|v| unbuildable_on(v, &args.arch))
    {
        println!("skipped {why}");
    }
    if !failures.is_empty() {
        bail!(
            "{} kernel problem(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    println!("every kernel compiled, none spills");
    Ok(())
}
