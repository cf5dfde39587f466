//! The report's tables as rows of cells, rendered by both the HTML and the Markdown writers.

use skinny::measure::Figure;

use super::model::{Summary, BASELINE, FIGURES};

pub struct TableData {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

pub fn devices(s: &Summary) -> TableData {
    TableData {
        header: [
            "result file",
            "backend",
            "device",
            "read bandwidth GB/s",
            "empty round trip µs",
            "graph node µs",
            "created",
            "details",
        ]
        .map(String::from)
        .to_vec(),
        rows: s
            .sources
            .iter()
            .map(|src| {
                vec![
                    src.file.clone(),
                    src.backend.clone(),
                    src.device.clone(),
                    opt(src.read_gbps, 0),
                    opt(src.empty_roundtrip_us, 2),
                    opt(src.graph_node_us, 2),
                    src.created.clone(),
                    src.details.clone(),
                ]
            })
            .collect(),
    }
}

/// Per shape: the best variant, its time and share of the read bandwidth, the baseline's time
/// and the speed-up over it.
pub fn best(s: &Summary) -> TableData {
    TableData {
        header: vec![
            "shape".into(),
            "best variant".into(),
            "cold µs".into(),
            "% of read bandwidth".into(),
            format!("baseline ({BASELINE}; the best vendor call where it has no bias)"),
            "baseline µs".into(),
            "speed-up".into(),
        ],
        rows: s
            .shapes
            .iter()
            .map(|shape| {
                let best = shape.best();
                vec![
                    shape.label.clone(),
                    best.map_or("(none passed)".into(), |b| b.variant.clone()),
                    opt(best.and_then(|b| b.cold_us), 2),
                    opt(best.and_then(|b| b.pct_roofline), 1),
                    shape.baseline().map_or("–".into(), |b| b.variant.clone()),
                    opt(shape.baseline().and_then(|b| b.cold_us), 2),
                    shape.speedup().map_or("–".into(), |x| format!("{x:.2}×")),
                ]
            })
            .collect(),
    }
}

/// Every run of one shape with every timing figure side by side.
pub fn figures(s: &Summary, shape_index: usize) -> TableData {
    let shape = &s.shapes[shape_index];
    let present: Vec<Figure> = FIGURES
        .into_iter()
        .filter(|f| shape.rows.iter().any(|r| r.figures.contains_key(f)))
        .collect();
    let mut header = vec![
        "variant".to_string(),
        "result file".to_string(),
        "result".to_string(),
    ];
    header.extend(present.iter().map(|f| f.name().to_string()));
    header.push("GB/s".into());
    TableData {
        header,
        rows: shape
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.variant.clone(),
                    s.sources[r.source].file.clone(),
                    match &r.failure {
                        Some(why) => format!("{}: {why}", r.disposition.name()),
                        None => r.disposition.name().into(),
                    },
                ];
                row.extend(present.iter().map(|f| opt(r.figures.get(f).copied(), 2)));
                row.push(opt(r.gbps, 0));
                row
            })
            .collect(),
    }
}

pub fn gaps(s: &Summary) -> TableData {
    TableData {
        header: ["shape", "variant", "why not"].map(String::from).to_vec(),
        rows: s
            .gaps
            .iter()
            .map(|g| vec![g.shape.clone(), g.variant.clone(), g.reasons.clone()])
            .collect(),
    }
}

/// One row per decode chain and mode.
pub fn decode(s: &Summary) -> TableData {
    let mut rows = Vec::new();
    for d in &s.decode {
        for m in &d.modes {
            rows.push(vec![
                format!("{} m = {}", d.chain.model, d.chain.m),
                m.mode.clone(),
                format!("{:.1}", m.per_token_us.median),
                format!("{:.1}", d.floor_us),
                format!("{:.2}", m.times_floor),
                format!("{:.1}", m.pct_of_floor),
                if m.chain_check.passed {
                    "pass".into()
                } else {
                    "FAIL".into()
                },
            ]);
        }
    }
    TableData {
        header: [
            "model",
            "mode",
            "µs / token",
            "floor µs",
            "× floor",
            "% of floor",
            "chain vs cuBLAS",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

pub fn dispatch(s: &Summary) -> TableData {
    TableData {
        header: ["shape", "dispatched", "µs", "baseline µs", "ratio"]
            .map(String::from)
            .to_vec(),
        rows: s
            .dispatch
            .iter()
            .map(|c| {
                vec![
                    c.shape.label(),
                    c.choice.variant.clone(),
                    opt(c.dispatched_us, 2),
                    opt(c.cublas_us, 2),
                    opt(c.ratio, 3),
                ]
            })
            .collect(),
    }
}
