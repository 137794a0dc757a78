//! Probes over model-serving endpoints (`serving::derive::endpoints::discover`): an HPA pinned at
//! its maximum while it asks for more replicas, an alert rule (`assets/alerts.toml` merged with
//! the user's: the context's rule data) breached by an endpoint now (measured by
//! `alert_eval::rule_value` over the World's MetricStore), and a Deployment whose newest
//! pod-template-hash rolled out within a window.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::Millis;
use crate::domain::{ObjKey, PodInfo};
use crate::serving::derive::alert_eval::rule_value;
use crate::serving::derive::endpoints::{Endpoint, discover, pod_selector};
use crate::settings::alerts::{AlertRule, Op, RuleKind};
use crate::settings::playbooks::model::Bindings;
use crate::triage::engine::context::Ctx;
use crate::triage::probes::{Evidence, Outcome};

/// Serving endpoints, restricted to the bound workload when one is bound.
fn endpoints(ctx: &Ctx<'_>, b: &Bindings) -> Vec<Endpoint> {
    discover(&ctx.world.objects)
        .into_iter()
        .filter(|e| {
            b.get("owner").is_none_or(|o| o == &e.key.name)
                && b.get("ns").is_none_or(|n| n == &e.key.namespace)
        })
        .collect()
}

/// Binds the workload's names; the finding is then about the workload (`subject`).
fn bind_workload(o: Outcome, key: &ObjKey) -> Outcome {
    o.bind(
        "subject",
        format!("{} {}/{}", key.kind, key.namespace, key.name),
    )
    .bind("ns", &key.namespace)
    .bind("owner", &key.name)
    .bind("owner_kind", key.kind.to_lowercase())
}

fn stamp(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// An HPA whose current replicas reached `maxReplicas` while `ScalingLimited` is true.
pub fn hpa_at_max(ctx: &Ctx<'_>, b: &Bindings) -> Outcome {
    let eps = endpoints(ctx, b);
    let with: Vec<_> = eps
        .iter()
        .filter_map(|e| e.hpa.as_ref().map(|h| (e, h)))
        .collect();
    if with.is_empty() {
        return Outcome::no("no HorizontalPodAutoscaler scales a serving workload");
    }
    for (e, h) in &with {
        let (Some(cur), Some(max)) = (h.current, h.max) else {
            continue;
        };
        if cur < max || !h.limited {
            continue;
        }
        let ns = &e.key.namespace;
        let raw = ctx.world.objects.get(&ObjKey {
            kind: "HorizontalPodAutoscaler".into(),
            namespace: ns.clone(),
            name: h.name.clone(),
        });
        let limited = raw
            .and_then(|o| o.pointer("/status/conditions"))
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| c["type"] == "ScalingLimited"))
            .map(|c| {
                format!(
                    "ScalingLimited=True ({}: {})",
                    c["reason"].as_str().unwrap_or("?"),
                    c["message"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "ScalingLimited=True".into());
        let desired = h.desired.map(|d| d.to_string()).unwrap_or("?".into());
        let subject = format!("HorizontalPodAutoscaler {ns}/{}", h.name);
        let mut o = Outcome::yes(format!(
            "HPA {ns}/{} pinned at maxReplicas {max} (current {cur}), {limited}",
            h.name
        ))
        .with(Evidence::object(
            &subject,
            format!(
                "current {cur} = maxReplicas {max} (min {}, desired {desired}); {limited}",
                h.min.map(|m| m.to_string()).unwrap_or("?".into())
            ),
        ));
        for m in &h.metrics {
            o = o.with(Evidence::number(
                &subject,
                format!(
                    "{} metric {}: current {}",
                    m.kind,
                    m.target,
                    m.current.as_deref().unwrap_or("?")
                ),
            ));
        }
        return bind_workload(o, &e.key)
            .bind("hpa", &h.name)
            .bind("max", max.to_string())
            .bind("new_max", (max * 2).to_string());
    }
    Outcome::no(format!(
        "{} HPA(s), none at maxReplicas with ScalingLimited",
        with.len()
    ))
}

/// How the value of `rule` reads (ratios as percent, latencies in seconds).
fn show(rule: &AlertRule, v: f64) -> String {
    let sym = if rule.op == Op::Above { ">" } else { "<" };
    match rule.kind {
        RuleKind::ErrorRatio { .. } => format!(
            "error ratio {:.1} % {sym} {:.1} %",
            v * 100.0,
            rule.threshold * 100.0
        ),
        RuleKind::LatencyQuantile { quantile, .. } => format!(
            "p{:.0} {v:.2} s {sym} objective {} s",
            quantile * 100.0,
            rule.threshold
        ),
        _ => format!("{v:.2} {sym} {}", rule.threshold),
    }
}

/// Step back from now while the rule stays breached: since when it breaches (30 s steps, at
/// most an hour).
fn breaching_since(
    ctx: &Ctx<'_>,
    rule: &AlertRule,
    e: &Endpoint,
    sel: &crate::serving::derive::histogram::Selector,
) -> Millis {
    let mut since = ctx.now_ms;
    for k in 1..=120 {
        let t = ctx.now_ms - k * 30_000;
        match rule_value(rule, &ctx.world.metrics, e.server, sel, t) {
            Ok(v) if rule.op.breached(v, rule.threshold) => since = t,
            _ => break,
        }
    }
    since
}

/// The alert rule `name` measured for every serving endpoint it applies to, now: yes when one
/// breaches its threshold (the worst is reported).
pub fn serving_alert(ctx: &Ctx<'_>, b: &Bindings, name: &str) -> Outcome {
    let Some(rule) = ctx.rules.alerts.iter().find(|r| r.name == name) else {
        return Outcome::unknown(format!("no alert rule named {name}"));
    };
    let mut gaps = Vec::new();
    let mut measured = 0;
    let mut worst: Option<(f64, &Endpoint, crate::serving::derive::histogram::Selector)> = None;
    let eps = endpoints(ctx, b);
    for e in eps.iter().filter(|e| rule.applies_to(e.server)) {
        let Some(sel) = pod_selector(e, &ctx.world.pods) else {
            gaps.push(format!("{}: no pods", e.key.name));
            continue;
        };
        match rule_value(rule, &ctx.world.metrics, e.server, &sel, ctx.now_ms) {
            Ok(v) if v.is_nan() => gaps.push(format!("{}: NaN", e.key.name)),
            Ok(v) => {
                measured += 1;
                let worse = worst.as_ref().is_none_or(|(w, _, _)| match rule.op {
                    Op::Above => v > *w,
                    Op::Below => v < *w,
                });
                if rule.op.breached(v, rule.threshold) && worse {
                    worst = Some((v, e, sel));
                }
            }
            Err(why) => gaps.push(format!("{}: {why}", e.key.name)),
        }
    }
    if let Some((v, e, sel)) = worst {
        let since = breaching_since(ctx, rule, e, &sel);
        let held = (ctx.now_ms - since) / 1000;
        let state = if ctx.now_ms - since >= rule.for_ms {
            "firing"
        } else {
            "pending"
        };
        let text = format!(
            "{name}: {} over {} s, breaching for {held} s ({state}, for {} s); {}",
            show(rule, v),
            rule.window_ms / 1000,
            rule.for_ms / 1000,
            rule.summary
        );
        let mut ev = Evidence::number(
            format!("{} {}/{}", e.key.kind, e.key.namespace, e.key.name),
            text.clone(),
        );
        ev.at_ms = Some(since);
        let o = Outcome::yes(format!("{} {}: {text}", e.server.label(), e.key.name)).with(ev);
        return bind_workload(o, &e.key).bind("metric", name);
    }
    if measured > 0 {
        return Outcome::no(format!(
            "{name} holds on {measured} endpoint(s) ({} {})",
            if rule.op == Op::Above { "<=" } else { ">=" },
            rule.threshold
        ));
    }
    if gaps.is_empty() {
        return Outcome::no(format!("no serving endpoint {name} applies to"));
    }
    Outcome::unknown(format!("{name} not measurable: {}", gaps.join("; ")))
}

/// A Deployment whose newest pod-template-hash (its pods' earliest creation) appeared within
/// the last `within_s` seconds while older revisions ran before it.
pub fn rollout(ctx: &Ctx<'_>, b: &Bindings, within_s: u64) -> Outcome {
    let mut seen = 0;
    for (k, o) in ctx.world.objects.iter().filter(|(k, _)| {
        k.kind == "Deployment"
            && b.get("owner").is_none_or(|x| x == &k.name)
            && b.get("ns").is_none_or(|x| x == &k.namespace)
    }) {
        seen += 1;
        let Some(sel) = o
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let pods: Vec<&PodInfo> = ctx
            .world
            .pods
            .values()
            .map(AsRef::as_ref)
            .filter(|p: &&PodInfo| p.namespace == k.namespace)
            .filter(|p| {
                sel.iter()
                    .all(|(lk, lv)| p.labels.get(lk).map(String::as_str) == lv.as_str())
            })
            .collect();
        // Per pod-template-hash: earliest creation, pods, ReplicaSet.
        let mut by_hash: BTreeMap<&str, (Millis, Vec<&PodInfo>)> = BTreeMap::new();
        for p in &pods {
            let Some(h) = p.labels.get("pod-template-hash") else {
                continue;
            };
            let e = by_hash.entry(h).or_insert((Millis::MAX, Vec::new()));
            e.0 = e.0.min(p.created_ms.unwrap_or(Millis::MAX));
            e.1.push(p);
        }
        let Some((hash, (began, new_pods))) = by_hash.iter().max_by_key(|(_, (t, _))| *t) else {
            continue;
        };
        let revision = o
            .pointer("/metadata/annotations/deployment.kubernetes.io~1revision")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let age = ctx.now_ms - began;
        if *began == Millis::MAX || age > within_s as Millis * 1000 || revision == "1" {
            continue;
        }
        let images: Vec<&str> = o
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| cs.iter().filter_map(|c| c["image"].as_str()).collect())
            .unwrap_or_default();
        let rs = new_pods
            .iter()
            .find_map(|p| p.owner.as_ref().map(|o| o.1.clone()))
            .unwrap_or_else(|| format!("{}-{hash}", k.name));
        let older = pods.len() - new_pods.len();
        let mut ev = Evidence::object(
            format!("Deployment {}/{}", k.namespace, k.name),
            format!(
                "revision {revision}: ReplicaSet {rs} (pod-template-hash {hash}) since {}, image {}; {} new pod(s), {older} older pod(s) left",
                stamp(*began),
                images.join(", "),
                new_pods.len()
            ),
        );
        ev.at_ms = Some(*began);
        let mut out = Outcome::yes(format!(
            "Deployment {}/{} rolled out revision {revision} ({hash}) {} s ago",
            k.namespace,
            k.name,
            age / 1000
        ))
        .with(ev);
        for e in ctx.world.events.iter().rev().filter(|e| {
            e.namespace == k.namespace
                && e.object_kind == "Deployment"
                && e.object_name == k.name
                && e.reason == "ScalingReplicaSet"
        }) {
            let mut x = Evidence::object(format!("Event {}/{}", k.namespace, k.name), &e.message);
            x.at_ms = e.last_ms;
            out = out.with(x);
            if out.evidence.len() >= 3 {
                break;
            }
        }
        return bind_workload(out, k)
            .bind("revision", revision)
            .bind("image", images.join(","))
            .bind("hash", *hash);
    }
    Outcome::no(format!(
        "no rollout in the last {within_s} s among {seen} Deployment(s)"
    ))
}
