//! The metric probe: every series of a metric (optionally as a percentage of a companion
//! series per label set) aggregated over a window and compared with a threshold, with the
//! numbers as evidence.

use std::collections::BTreeMap;

use crate::domain::Millis;
use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{Agg, Cmp};
use crate::triage::engine::context::Ctx;
use crate::triage::probes::{Evidence, Outcome};

fn agg_of(vals: &[f64], agg: Agg) -> f64 {
    match agg {
        Agg::Max => vals.iter().copied().fold(f64::MIN, f64::max),
        Agg::Min => vals.iter().copied().fold(f64::MAX, f64::min),
        Agg::Avg => vals.iter().sum::<f64>() / vals.len() as f64,
        Agg::Last => vals.last().copied().unwrap_or(f64::NAN),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn metric(
    ctx: &Ctx<'_>,
    b: &Bindings,
    name: &str,
    op: Cmp,
    threshold: f64,
    window_s: u64,
    agg: Agg,
    percent_with: Option<&str>,
) -> Outcome {
    let store = &ctx.world.metrics;
    let ids = store.ids_by_name(name);
    if ids.is_empty() {
        return Outcome::unknown(format!("no {name} series"));
    }
    let to: Millis = ctx.now_ms;
    let from = to - (window_s as Millis) * 1000;
    let other: BTreeMap<&BTreeMap<String, String>, usize> = match percent_with {
        Some(o) => store
            .entries_by_name(o)
            .map(|(id, k, _)| (k.labels.as_ref(), id))
            .collect(),
        None => BTreeMap::new(),
    };
    if percent_with.is_some() && other.is_empty() {
        return Outcome::unknown(format!("no {} series", percent_with.unwrap_or_default()));
    }
    let node_of = |l: &BTreeMap<String, String>| {
        l.get("Hostname")
            .or_else(|| l.get("node"))
            .or_else(|| l.get("kubernetes_node"))
            .cloned()
    };
    // Restrict to the bound node or pod when there is one.
    let mut best: Option<(f64, usize, f64)> = None;
    let mut seen = 0;
    for &id in ids {
        let Some(key) = store.key(id) else { continue };
        let l = key.labels.as_ref();
        if let Some(n) = b.get("node")
            && node_of(l).is_some_and(|x| &x != n)
        {
            continue;
        }
        let pts: Vec<(Millis, f64)> = store.points_in(id, from, to).collect();
        let vals: Vec<f64> = match percent_with {
            None => pts.iter().map(|p| p.1).collect(),
            Some(_) => {
                let Some(&oid) = other.get(l) else { continue };
                let den: BTreeMap<Millis, f64> = store.points_in(oid, from, to).collect();
                pts.iter()
                    .filter_map(|(t, v)| den.get(t).map(|d| (v, d)))
                    .filter(|(v, d)| **v + **d > 0.0)
                    .map(|(v, d)| 100.0 * v / (v + d))
                    .collect()
            }
        };
        if vals.is_empty() {
            continue;
        }
        seen += 1;
        let v = agg_of(&vals, agg);
        let better = match (best, op) {
            (None, _) => true,
            (Some((bv, _, _)), Cmp::Above) => v > bv,
            (Some((bv, _, _)), Cmp::Below) => v < bv,
        };
        if better {
            best = Some((v, id, vals[0]));
        }
    }
    let Some((v, id, first)) = best else {
        return Outcome::unknown(format!("no {name} samples in the last {window_s} s"));
    };
    let labels = store.key(id).map(|k| k.labels.clone()).unwrap_or_default();
    let who = [
        node_of(&labels),
        labels.get("gpu").map(|g| format!("gpu {g}")),
        labels.get("pod").map(|p| match labels.get("namespace") {
            Some(ns) => format!("pod {ns}/{p}"),
            None => format!("pod {p}"),
        }),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let sym = if op == Cmp::Above { ">" } else { "<" };
    let breached = match op {
        Cmp::Above => v > threshold,
        Cmp::Below => v < threshold,
    };
    // The last value says where a gauge is; its first in the window says where it went from.
    let trend = if agg == Agg::Last && first != v {
        format!(" (from {first:.1} at the window's start)")
    } else {
        String::new()
    };
    let text = format!(
        "{agg:?} {name} over {window_s} s = {v:.1}{trend} ({who}); threshold {sym} {threshold}; {seen} series"
    );
    let mut o = if breached {
        Outcome::yes(text.clone())
    } else {
        Outcome::no(text.clone())
    };
    o = o.bind("metric", name).with(Evidence::number(
        if who.is_empty() {
            name.to_string()
        } else {
            who.clone()
        },
        text,
    ));
    if breached {
        if let Some(n) = node_of(&labels) {
            o = o.bind("node", n);
        }
        if let Some(g) = labels.get("gpu") {
            o = o.bind("gpu", g);
        }
        if let (Some(ns), Some(p)) = (labels.get("namespace"), labels.get("pod"))
            && b.get("pod").is_none()
        {
            o = o.bind("ns", ns).bind("pod", p);
        }
    }
    o
}
