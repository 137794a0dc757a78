//! Probes over per-node facts: daemons every accelerator node should run (device plugin,
//! exporter), node labels, and CUDA compatibility between a pod and its node.

use std::collections::BTreeSet;

use crate::domain::{NodeInfo, PodInfo};
use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{LabelCheck, NodeScope, Scope};
use crate::triage::engine::context::Ctx;
use crate::triage::probes::pods::bind_pod;
use crate::triage::probes::{Evidence, Outcome};

fn node_subject(n: &NodeInfo) -> String {
    format!("Node {}", n.name)
}

pub fn daemon(ctx: &Ctx<'_>, names: &[String], scope: NodeScope) -> Outcome {
    let nodes: Vec<&NodeInfo> = ctx.nodes(scope).filter(|n| n.ready).collect();
    if nodes.is_empty() {
        return Outcome::no(format!("no ready {scope:?} nodes"));
    }
    let mut running: BTreeSet<&str> = BTreeSet::new();
    let mut bad: Vec<(&PodInfo, &str)> = Vec::new();
    for p in ctx.world.pods.values() {
        if !names.iter().any(|n| p.name.contains(n.as_str())) {
            continue;
        }
        let Some(node) = p.node.as_deref() else {
            continue;
        };
        if p.phase == "Running" && p.ready_containers == p.total_containers {
            running.insert(node);
        } else {
            bad.push((p, node));
        }
    }
    let missing: Vec<&&NodeInfo> = nodes
        .iter()
        .filter(|n| !running.contains(n.name.as_str()))
        .collect();
    let Some(first) = missing.first() else {
        return Outcome::no(format!(
            "a ready {} pod on each of {} node(s)",
            names.join("/"),
            nodes.len()
        ));
    };
    let mut o = Outcome::yes(format!(
        "{} of {} {scope:?} node(s) have no ready {} pod",
        missing.len(),
        nodes.len(),
        names.join("/")
    ))
    .bind("node", &first.name);
    for (p, node) in &bad {
        o = o.with(Evidence::object(
            format!("Pod {}/{}", p.namespace, p.name),
            format!("on {node}: {} ({} restarts)", p.status, p.restarts),
        ));
        if !o.bind.contains_key("pod") {
            o = o.bind("ns", &p.namespace).bind("pod", &p.name);
        }
    }
    for n in missing.iter().take(4) {
        o = o.with(Evidence::object(
            node_subject(n),
            "no ready pod of the daemon",
        ));
    }
    o
}

pub fn node_label(
    ctx: &Ctx<'_>,
    b: &Bindings,
    key: &str,
    check: LabelCheck,
    value: Option<&str>,
    scope: NodeScope,
) -> Outcome {
    let nodes: Vec<&NodeInfo> = match b.get("node").and_then(|n| ctx.world.nodes.get(n)) {
        Some(n) => vec![n],
        None => ctx.nodes(scope).collect(),
    };
    if nodes.is_empty() {
        return Outcome::unknown("no node to check (none bound, none in scope)");
    }
    for n in nodes {
        let have = n.labels.get(key).map(String::as_str);
        let hit = match check {
            LabelCheck::MissingOrFalse => matches!(have, None | Some("") | Some("false")),
            LabelCheck::Equals => have == value,
        };
        if hit {
            return Outcome::yes(format!("{}: {key}={}", n.name, have.unwrap_or("<unset>")))
                .bind("node", &n.name)
                .bind("key", key)
                .with(Evidence::object(
                    node_subject(n),
                    format!("{key}={}", have.unwrap_or("<unset>")),
                ));
        }
    }
    let what = match check {
        LabelCheck::MissingOrFalse => "set and not false".to_string(),
        LabelCheck::Equals => format!("not {}", value.unwrap_or_default()),
    };
    Outcome::no(format!("{key} {what} on every node checked"))
}

fn major_minor(v: &str) -> Option<(u32, u32)> {
    let mut it = v.trim().split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    Some((a, b))
}

pub fn cuda_compat(ctx: &Ctx<'_>, b: &Bindings, scope: Scope) -> Outcome {
    let pods: Vec<&PodInfo> = ctx
        .pods(b, scope)
        .into_iter()
        .filter(|p| p.labels.contains_key("cuda.version"))
        .collect();
    let Some(p) = pods.first() else {
        return Outcome::unknown("no pod carries a cuda.version label");
    };
    let want = p
        .labels
        .get("cuda.version")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(w) = major_minor(want) else {
        return Outcome::unknown(format!("cuda.version {want:?} is not a version"));
    };
    let nodes: Vec<&NodeInfo> = match &p.node {
        Some(n) => ctx.world.nodes.get(n).into_iter().collect(),
        None => ctx.nodes(NodeScope::Gpu).collect(),
    };
    let mut known = 0;
    for n in &nodes {
        let Some(have) = n.labels.get("nvidia.com/cuda.runtime-version.full") else {
            continue;
        };
        known += 1;
        if major_minor(have).is_some_and(|h| h >= w) {
            return Outcome::no(format!("{} offers CUDA {have} >= {want}", n.name));
        }
    }
    if known == 0 {
        return Outcome::unknown("no candidate node carries nvidia.com/cuda.runtime-version.full");
    }
    bind_pod(
        Outcome::yes(format!(
            "pod needs CUDA {want}; no candidate node offers it"
        )),
        ctx,
        p,
    )
    .with(Evidence::object(
        format!("Pod {}/{}", p.namespace, p.name),
        format!("cuda.version={want}"),
    ))
}
