//! Probes over logs, metrics and ConfigMaps: signature findings of the log classifier (ids of
//! SIGNATURES.md), with the watchdog's laggard named by global rank and pod, plain text in log
//! lines, allocator fragmentation read off a CUDA OOM message, and ConfigMap keys (metric
//! thresholds are in `probe_metrics`).

use serde_json::Value;

use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{ConfigMapCheck, Scope};
use crate::training::derive::nccl::SignatureHit;
use crate::training::derive::nccl::correlate::{laggard_pods, watchdog};
use crate::training::derive::ranks::job_holders;
use crate::triage::engine::context::{Ctx, LogHit};
use crate::triage::probes::pods::bind_pod;
use crate::triage::probes::{Evidence, Outcome};

/// Binds the pod that logged a line. A node daemon's pod (device plugin, exporter) reports on
/// its node's hardware, so the finding is then about the node.
fn bind_log_pod(o: Outcome, ctx: &Ctx<'_>, ns: &str, pod: &str) -> Outcome {
    match ctx.world.pods.get(&(ns.to_string(), pod.to_string())) {
        Some(p) => {
            let daemon = p.owner.as_ref().is_some_and(|o| o.0 == "DaemonSet");
            match (&p.node, daemon) {
                (Some(n), true) => bind_pod(o, ctx, p).bind("subject", format!("Node {n}")),
                _ => bind_pod(o, ctx, p),
            }
        }
        None => o.bind("ns", ns).bind("pod", pod),
    }
}

fn hit_outcome(ctx: &Ctx<'_>, hits: &[&LogHit], summary: String) -> Outcome {
    let mut o = Outcome::yes(summary);
    if let Some(h) = hits.first() {
        o = bind_log_pod(o, ctx, &h.namespace, &h.pod);
        o = o.bind("container", &h.container).bind("signature", &h.id);
        if let Some(x) = h.fields.get("xid") {
            o = o.bind("value", x);
        }
    }
    // One line per pod first, so the evidence shows the spread.
    let mut seen = std::collections::BTreeSet::new();
    for h in hits {
        if seen.insert((&h.namespace, &h.pod)) {
            o = o.with(Evidence::log(
                format!("{}/{}/{}", h.namespace, h.pod, h.container),
                format!("[{}] {}", h.id, h.excerpt),
                h.at_ms,
            ));
        }
    }
    o
}

/// The watchdog signature whose findings name a laggard.
const WATCHDOG: &str = "nccl.watchdog_timeout";

/// Binds `laggard_rank` and `laggard_pod`: the rank the others were waiting for when the
/// watchdog fired (`correlate::watchdog` over every watchdog finding of the job of the first
/// hit) and the pod holding it in the job's rank numbering (`derive::ranks`), the rank and pod
/// the Training pane's rank grid and correlation show. Nothing is bound when no single laggard
/// can be named.
fn bind_laggard(o: Outcome, ctx: &Ctx<'_>, first: &LogHit) -> Outcome {
    let w = ctx.world;
    let ns = first.namespace.as_str();
    let Some(job) = w.index.rank_of(ns, &first.pod).map(|r| r.job.as_str()) else {
        return o;
    };
    let holders: Vec<(String, Vec<u32>)> = job_holders(w, ns, job)
        .into_iter()
        .map(|(pod, g)| (pod, g.ranks))
        .collect();
    let findings: Vec<SignatureHit> = ctx
        .log_hits()
        .iter()
        .filter(|h| h.id == WATCHDOG && h.namespace == ns)
        .filter(|h| holders.iter().any(|(p, _)| *p == h.pod))
        .enumerate()
        .map(|(i, h)| SignatureHit {
            id: h.id.clone(),
            severity: h.severity,
            source: h.pod.clone(),
            line_no: i as u64 + 1,
            rank: h.rank,
            timestamp: None,
            ts_key: None,
            excerpt: String::new(),
            explanation: String::new(),
            fields: h.fields.clone(),
        })
        .collect();
    let world_size = holders.iter().find_map(|(pod, _)| {
        let p = w.pods.get(&(ns.to_string(), pod.clone()))?;
        let facts = crate::training::derive::jobs::spec_facts(&p.raw);
        let ws = facts.env.into_iter().find(|e| e.name == "WORLD_SIZE")?;
        ws.value?.parse().ok()
    });
    let world_size = world_size.or(Some(holders.len() as u32));
    let Some(report) = watchdog(&findings, world_size) else {
        return o;
    };
    match laggard_pods(&report, &holders).as_slice() {
        [(rank, Some(pod))] => o
            .bind("laggard_rank", rank.to_string())
            .bind("laggard_pod", pod),
        _ => o,
    }
}

fn has_logs(ctx: &Ctx<'_>, b: &Bindings) -> bool {
    match (b.get("ns"), b.get("pod")) {
        (Some(ns), Some(pod)) => ctx.world.index.last_line(ns, pod).is_some(),
        _ => !ctx.world.logs.lines().is_empty(),
    }
}

pub fn log_signature(ctx: &Ctx<'_>, b: &Bindings, scope: Scope, ids: &[String]) -> Outcome {
    let hits = ctx.log_hits();
    let bound = (b.get("ns"), b.get("pod"));
    let matched: Vec<&LogHit> = hits
        .iter()
        .filter(|h| ids.contains(&h.id))
        .filter(|h| match bound {
            (Some(ns), Some(pod)) => &h.namespace == ns && &h.pod == pod,
            _ => ctx.in_scope(&h.namespace, &h.pod, scope),
        })
        .collect();
    if matched.is_empty() {
        if !has_logs(ctx, b) {
            return Outcome::unknown(match bound {
                (Some(ns), Some(pod)) => format!("no log lines held for {ns}/{pod}"),
                _ => "no log lines held".to_string(),
            });
        }
        return Outcome::no(format!("no {} finding in the logs", ids.join(" / ")));
    }
    let pods: std::collections::BTreeSet<_> =
        matched.iter().map(|h| (&h.namespace, &h.pod)).collect();
    let summary = format!(
        "{} {} finding(s) in {} pod(s)",
        matched.len(),
        matched[0].id,
        pods.len()
    );
    let o = hit_outcome(ctx, &matched, summary);
    match matched.iter().find(|h| h.id == WATCHDOG) {
        Some(first) => bind_laggard(o, ctx, first),
        None => o,
    }
}

pub fn log_pattern(ctx: &Ctx<'_>, b: &Bindings, scope: Scope, contains: &[String]) -> Outcome {
    let needles: Vec<String> = contains.iter().map(|c| c.to_ascii_lowercase()).collect();
    let bound = (b.get("ns"), b.get("pod"));
    let mut o = Outcome::no(format!("no log line contains {}", contains.join(" / ")));
    let mut n = 0;
    for l in ctx.world.logs.lines().iter().rev() {
        if let (Some(ns), Some(pod)) = bound
            && (&l.namespace != ns || &l.pod != pod)
        {
            continue;
        }
        let low = l.line.to_ascii_lowercase();
        if !needles.iter().any(|nd| low.contains(nd.as_str())) {
            continue;
        }
        if bound.0.is_none() && !ctx.in_scope(&l.namespace, &l.pod, scope) {
            continue;
        }
        n += 1;
        if n == 1 {
            o = Outcome::yes(String::new());
            o = bind_log_pod(o, ctx, &l.namespace, &l.pod).bind("container", &l.container);
        }
        if n <= 3 {
            o = o.with(Evidence::log(
                format!("{}/{}/{}", l.namespace, l.pod, l.container),
                l.line.chars().take(300).collect::<String>(),
                l.at_ms,
            ));
        }
    }
    if n == 0 && !has_logs(ctx, b) {
        return Outcome::unknown("no log lines held");
    }
    if n > 0 {
        o.summary = format!("{n} line(s) contain {}", contains.join(" / "));
    }
    o
}

/// `2.50 GiB` → bytes.
fn size(s: &str) -> Option<f64> {
    let mut it = s.split_whitespace();
    let v: f64 = it.next()?.parse().ok()?;
    let unit = it.next()?.trim_end_matches(['.', ',', ';', ')']);
    let m = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some(v * m)
}

/// (tried, reserved-but-unallocated) sizes, as printed, from a PyTorch OOM message.
pub fn oom_sizes(line: &str) -> Option<(String, String)> {
    let after = |key: &str| -> Option<String> {
        let i = line.find(key)? + key.len();
        let rest = &line[i..];
        let w: Vec<&str> = rest.split_whitespace().take(2).collect();
        (w.len() == 2).then(|| format!("{} {}", w[0], w[1].trim_end_matches(['.', ','])))
    };
    let tried = after("Tried to allocate ")?;
    let i = line.find(" is reserved by PyTorch but unallocated")?;
    let head = &line[..i];
    let w: Vec<&str> = head.split_whitespace().rev().take(2).collect();
    if w.len() < 2 {
        return None;
    }
    Some((tried, format!("{} {}", w[1], w[0])))
}

pub fn allocator_fragmentation(ctx: &Ctx<'_>, b: &Bindings) -> Outcome {
    let bound = (b.get("ns"), b.get("pod"));
    let mut saw_oom = false;
    for l in ctx.world.logs.lines().iter().rev() {
        if let (Some(ns), Some(pod)) = bound
            && (&l.namespace != ns || &l.pod != pod)
        {
            continue;
        }
        if !l.line.contains("Tried to allocate") {
            continue;
        }
        saw_oom = true;
        let Some((tried, reserved)) = oom_sizes(&l.line) else {
            continue;
        };
        let (Some(t), Some(r)) = (size(&tried), size(&reserved)) else {
            continue;
        };
        let ev = Evidence::log(
            format!("{}/{}/{}", l.namespace, l.pod, l.container),
            l.line.chars().take(400).collect::<String>(),
            l.at_ms,
        );
        let num = Evidence::number(
            format!("{}/{}", l.namespace, l.pod),
            format!("tried to allocate {tried}; {reserved} reserved by PyTorch but unallocated"),
        );
        let o = if r >= t {
            Outcome::yes(format!(
                "OOM although {reserved} is reserved but unallocated (request {tried})"
            ))
        } else {
            Outcome::no(format!(
                "reserved-but-unallocated {reserved} is smaller than the request {tried}"
            ))
        };
        let o = match ctx.world.pods.get(&(l.namespace.clone(), l.pod.clone())) {
            Some(p) => bind_pod(o, ctx, p),
            None => o,
        };
        return o.bind("container", &l.container).with(num).with(ev);
    }
    if saw_oom {
        Outcome::unknown("the OOM message does not say how much memory is reserved but unallocated")
    } else {
        Outcome::unknown("no CUDA OOM message with allocation sizes in the logs")
    }
}

pub fn config_map_key(ctx: &Ctx<'_>, label: &str, key: &str, check: ConfigMapCheck) -> Outcome {
    let cms: Vec<_> = ctx
        .world
        .objects_of("ConfigMap")
        .filter(|(_, v)| {
            v.pointer("/metadata/labels")
                .and_then(|l| l.get(label))
                .is_some()
        })
        .collect();
    if cms.is_empty() {
        return Outcome::unknown(format!("no ConfigMap labelled {label} seen"));
    }
    let val = |v: &Value| {
        v.pointer("/data")
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match check {
        ConfigMapCheck::Missing => {
            let Some((k, _)) = cms.iter().find(|(_, v)| val(v).is_none()) else {
                return Outcome::no(format!("every ConfigMap labelled {label} has {key}"));
            };
            Outcome::yes(format!("ConfigMap {}/{} has no {key}", k.namespace, k.name))
                .bind("ns", &k.namespace)
                .bind("configmap", &k.name)
                .with(Evidence::object(
                    format!("ConfigMap {}/{}", k.namespace, k.name),
                    format!("{key}: unspecified"),
                ))
        }
        ConfigMapCheck::Differs => {
            let vals: std::collections::BTreeSet<String> =
                cms.iter().filter_map(|(_, v)| val(v)).collect();
            if vals.len() <= 1 {
                return Outcome::no(format!("{} ConfigMap(s) agree on {key}", cms.len()));
            }
            let mut o = Outcome::yes(format!(
                "{key} differs: {}",
                vals.iter().cloned().collect::<Vec<_>>().join(" vs ")
            ));
            for (k, v) in &cms {
                o = o.with(Evidence::object(
                    format!("ConfigMap {}/{}", k.namespace, k.name),
                    format!("{key}={}", val(v).unwrap_or_else(|| "unspecified".into())),
                ));
            }
            if let Some((k, _)) = cms.first() {
                o = o.bind("ns", &k.namespace).bind("configmap", &k.name);
            }
            o
        }
    }
}
