//! Probes over nodes and scheduling: capacity and allocatable of a resource, node labels versus
//! a pending pod's nodeSelector (naming the near-miss key), taints versus its tolerations
//! (naming the missing toleration), requests versus free devices (fragmentation), per-node
//! daemons (device plugin, exporter) and CUDA compatibility.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::domain::{NodeInfo, PodInfo};
use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{CapacityCheck, NodeScope, ResourceCheck, Scope};
use crate::triage::engine::context::Ctx;
use crate::triage::probes::pods::bind_pod;
use crate::triage::probes::{Evidence, Outcome};

fn node_subject(n: &NodeInfo) -> String {
    format!("Node {}", n.name)
}

pub fn node_resource(ctx: &Ctx<'_>, res: &str, check: ResourceCheck, scope: NodeScope) -> Outcome {
    let nodes: Vec<_> = ctx.nodes(scope).collect();
    if nodes.is_empty() {
        return Outcome::no(format!("no {scope:?} nodes"));
    }
    let bad: Vec<(&NodeInfo, String)> = nodes
        .iter()
        .filter_map(|n| {
            let cap = n.capacity.get(res).copied();
            let alloc = n.allocatable.get(res).copied();
            match check {
                // MIG nodes in the mixed strategy offer nvidia.com/mig-* instead of nvidia.com/gpu.
                ResourceCheck::MissingOrZero
                    if res == "nvidia.com/gpu"
                        && n.accel_kind == crate::domain::AccelKind::NvidiaMig
                        && n.accel_capacity > 0.0 =>
                {
                    None
                }
                ResourceCheck::MissingOrZero => match cap {
                    None => Some((*n, format!("{res} missing from capacity"))),
                    Some(c) if c <= 0.0 => Some((*n, format!("{res} capacity 0"))),
                    _ => None,
                },
                ResourceCheck::BelowCapacity => match (cap, alloc) {
                    (Some(c), Some(a)) if a < c => {
                        Some((*n, format!("{res} allocatable {a} < capacity {c}")))
                    }
                    (Some(c), None) if c > 0.0 => {
                        Some((*n, format!("{res} missing from allocatable (capacity {c})")))
                    }
                    _ => None,
                },
            }
        })
        .collect();
    let Some((first, _)) = bad.first() else {
        let what = match check {
            ResourceCheck::MissingOrZero => "exposed",
            ResourceCheck::BelowCapacity => "fully allocatable",
        };
        return Outcome::no(format!("{res} {what} on all {} node(s)", nodes.len()));
    };
    let mut o = Outcome::yes(format!(
        "{} of {} node(s): {res} {check:?}",
        bad.len(),
        nodes.len()
    ))
    .bind("node", &first.name)
    .bind("resource", res);
    for (n, why) in &bad {
        o = o.with(Evidence::number(node_subject(n), why.clone()));
    }
    o
}

fn node_selector(v: &Value) -> BTreeMap<String, String> {
    v.pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn last_segment(k: &str) -> &str {
    k.rsplit('/').next().unwrap_or(k)
}

pub fn selector_mismatch(ctx: &Ctx<'_>, b: &Bindings) -> Outcome {
    let pods = ctx.pods(b, Scope::Pending);
    if pods.is_empty() {
        return Outcome::no("no pending pods");
    }
    let total = ctx.world.nodes.len();
    let mut seen = BTreeSet::new();
    for p in pods.iter().take(200) {
        let Some(v) = ctx.spec(p) else { continue };
        let sel = node_selector(&v);
        // Pods of one workload share a selector: check each selector once.
        if !seen.insert(sel.clone()) {
            continue;
        }
        for (k, val) in sel {
            let exact = ctx
                .world
                .nodes
                .values()
                .filter(|n| n.labels.get(&k) == Some(&val))
                .count();
            if exact > 0 {
                continue;
            }
            let mut near: BTreeMap<&str, usize> = BTreeMap::new();
            for n in ctx.world.nodes.values() {
                for (nk, nv) in &n.labels {
                    if nk != &k && last_segment(nk) == last_segment(&k) && nv == &val {
                        *near.entry(nk.as_str()).or_default() += 1;
                    }
                }
            }
            let mut o = bind_pod(Outcome::yes(String::new()), ctx, p)
                .bind("key", &k)
                .bind("value", &val)
                .with(Evidence::object(
                    format!("Pod {}/{}", p.namespace, p.name),
                    format!("nodeSelector {k}={val}: 0 of {total} nodes carry it"),
                ));
            o.summary = match near.iter().max_by_key(|(_, c)| **c) {
                Some((nk, c)) => {
                    o = o.bind("near_key", *nk).with(Evidence::number(
                        "Nodes",
                        format!(
                            "{c} of {total} nodes carry {nk}={val} (same value, different key)"
                        ),
                    ));
                    format!("nodeSelector key {k} matches no node; nodes use {nk}={val}")
                }
                None => format!("nodeSelector {k}={val} matches no node"),
            };
            return o;
        }
    }
    Outcome::no("every pending pod's nodeSelector matches some node")
}

/// `(key, operator, value, effect)` of each toleration.
fn tolerations(v: &Value) -> Vec<(String, String, String, String)> {
    v.pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let s = |k: &str| {
                t.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (s("key"), s("operator"), s("value"), s("effect"))
        })
        .collect()
}

/// Split `key[=value]:Effect`.
fn parse_taint(t: &str) -> (&str, &str, &str) {
    let (kv, effect) = t.rsplit_once(':').unwrap_or((t, ""));
    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
    (k, v, effect)
}

fn tolerated(tols: &[(String, String, String, String)], taint: &str) -> bool {
    let (k, v, e) = parse_taint(taint);
    tols.iter().any(|(tk, op, tv, te)| {
        let key_ok = (tk.is_empty() && op == "Exists") || tk == k;
        let val_ok = op == "Exists" || tv == v;
        let eff_ok = te.is_empty() || te == e;
        key_ok && val_ok && eff_ok
    })
}

pub fn missing_toleration(ctx: &Ctx<'_>, b: &Bindings, prefix: Option<&str>) -> Outcome {
    let pods = ctx.pods(b, Scope::Pending);
    if pods.is_empty() {
        return Outcome::no("no pending pods");
    }
    let mut seen = BTreeSet::new();
    for p in pods.iter().take(200) {
        let Some(v) = ctx.spec(p) else { continue };
        let sel = node_selector(&v);
        let tols = tolerations(&v);
        // Pods of one workload share selector, tolerations and requests: check each shape once.
        let shape = (
            sel.clone(),
            tols.clone(),
            p.accel_requests.keys().cloned().collect::<Vec<_>>(),
        );
        if !seen.insert(shape) {
            continue;
        }
        let candidates: Vec<&NodeInfo> = ctx
            .world
            .nodes
            .values()
            .filter(|n| sel.iter().all(|(k, val)| n.labels.get(k) == Some(val)))
            .filter(|n| {
                p.accel_requests
                    .keys()
                    .all(|r| n.allocatable.get(r).is_some_and(|a| *a > 0.0))
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let mut missing: BTreeMap<&str, usize> = BTreeMap::new();
        let mut blocked = 0;
        for n in &candidates {
            let untol: Vec<&str> = n
                .taints
                .iter()
                .map(String::as_str)
                .filter(|t| {
                    let (_, _, e) = parse_taint(t);
                    e == "NoSchedule" || e == "NoExecute"
                })
                .filter(|t| !tolerated(&tols, t))
                .collect();
            if untol.is_empty() {
                continue;
            }
            blocked += 1;
            for t in untol {
                *missing.entry(t).or_default() += 1;
            }
        }
        if blocked < candidates.len() {
            continue;
        }
        let pick = missing
            .iter()
            .filter(|(t, _)| prefix.is_none_or(|pre| t.starts_with(pre)))
            .max_by_key(|(_, c)| **c);
        let Some((taint, count)) = pick else { continue };
        let (k, val, e) = parse_taint(taint);
        let shown: Vec<String> = tols
            .iter()
            .map(|(k, op, v, e)| {
                format!("{k} {op} {v} {e}")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        return bind_pod(
            Outcome::yes(format!(
                "no toleration for {k}:{e} ({count} of {} candidate nodes carry it)",
                candidates.len()
            )),
            ctx,
            p,
        )
        .bind("taint_key", k)
        .bind("taint_value", val)
        .bind("effect", e)
        .with(Evidence::object(
            format!("Pod {}/{}", p.namespace, p.name),
            if shown.is_empty() {
                "no tolerations".to_string()
            } else {
                format!("tolerations: {}", shown.join("; "))
            },
        ))
        .with(Evidence::number(
            "Nodes",
            format!(
                "{count} of {} nodes that offer {} carry taint {taint}",
                candidates.len(),
                p.accel_requests
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ));
    }
    Outcome::no("every pending pod tolerates the taints of some candidate node")
}

pub fn capacity(ctx: &Ctx<'_>, b: &Bindings, prefix: &str, check: CapacityCheck) -> Outcome {
    let pending: Vec<(&PodInfo, &str, f64)> = ctx
        .pods(b, Scope::Pending)
        .into_iter()
        .filter(|p| p.phase == "Pending")
        .filter_map(|p| {
            p.accel_requests
                .iter()
                .find(|(r, c)| r.starts_with(prefix) && **c > 0.0)
                .map(|(r, c)| (p, r.as_str(), *c))
        })
        .collect();
    if pending.is_empty() {
        return Outcome::no(format!("no pending pod requests {prefix}*"));
    }
    let used = ctx.used();
    for (p, res, want) in pending {
        let free: Vec<(&str, f64)> = ctx
            .world
            .nodes
            .values()
            .filter(|n| n.ready && !n.unschedulable)
            .filter_map(|n| {
                let a = *n.allocatable.get(res)?;
                let u = used.get(&(n.name.as_str(), res)).copied().unwrap_or(0.0);
                Some((n.name.as_str(), (a - u).max(0.0)))
            })
            .collect();
        let offer = free.len();
        // Folded from +0.0: an empty f64 sum is -0.0, which prints as "-0".
        let total: f64 = free.iter().map(|f| f.1).fold(0.0, |a, b| a + b);
        let best = free.iter().map(|f| f.1).fold(0.0, f64::max);
        let hit = match check {
            CapacityCheck::NoneOffer => offer == 0,
            CapacityCheck::Fragmented => offer > 0 && best < want && total >= want,
            CapacityCheck::Exhausted => offer > 0 && total < want,
        };
        if !hit {
            continue;
        }
        let detail = format!(
            "requests {want} {res}; {offer} ready node(s) offer it, {total} free in total, at most {best} on one node"
        );
        return bind_pod(Outcome::yes(detail.clone()), ctx, p)
            .bind("resource", res)
            .bind("count", want.to_string())
            .with(Evidence::number(
                format!("Pod {}/{}", p.namespace, p.name),
                detail,
            ));
    }
    Outcome::no(format!("{check:?} not seen for pending {prefix}* requests"))
}
