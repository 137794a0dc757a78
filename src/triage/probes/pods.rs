//! Probes over pods and what selects them: phase and container reasons, Events, environment
//! variables, spec properties (/dev/shm, requests = limits, anti-affinity, PVCs) and the
//! NetworkPolicies that select a pod.

use serde_json::Value;

use crate::domain::PodInfo;
use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{EnvCheck, Scope, SpecCheck};
use crate::triage::engine::context::Ctx;
use crate::triage::probes::{Evidence, Outcome};
use crate::world::objects::is_accel_resource;

fn pod_subject(p: &PodInfo) -> String {
    format!("Pod {}/{}", p.namespace, p.name)
}

/// Bind a pod (and its node, owner, job) for later steps.
pub fn bind_pod(mut o: Outcome, ctx: &Ctx<'_>, p: &PodInfo) -> Outcome {
    o = o.bind("ns", &p.namespace).bind("pod", &p.name);
    if let Some(n) = &p.node {
        o = o.bind("node", n);
    }
    if let Some((k, n)) = &p.owner {
        o = o.bind("owner_kind", k).bind("owner", n);
    }
    if let Some(r) = ctx.world.index.rank_of(&p.namespace, &p.name) {
        o = o.bind("job", &r.job);
    }
    o
}

pub(super) fn arr<'a>(v: &'a Value, ptr: &str) -> impl Iterator<Item = &'a Value> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Container reasons of a pod: waiting, terminated and last terminated.
pub fn container_reasons(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for cs in arr(v, "/status/containerStatuses").chain(arr(v, "/status/initContainerStatuses")) {
        for ptr in [
            "/state/waiting/reason",
            "/state/terminated/reason",
            "/lastState/terminated/reason",
        ] {
            if let Some(r) = cs.pointer(ptr).and_then(Value::as_str) {
                out.push(r.to_string());
            }
        }
    }
    out
}

pub fn pod_status(
    ctx: &Ctx<'_>,
    b: &Bindings,
    scope: Scope,
    phase: Option<&str>,
    reasons: &[String],
) -> Outcome {
    let pods = ctx.pods(b, scope);
    if pods.is_empty() {
        return Outcome::no("no pods in scope");
    }
    let mut hits = Vec::new();
    for p in pods {
        if phase.is_some_and(|ph| !ph.eq_ignore_ascii_case(&p.phase)) {
            continue;
        }
        let mut why = format!("phase {}, status {}", p.phase, p.status);
        if !reasons.is_empty() {
            let mut found = reasons.iter().find(|r| r.eq_ignore_ascii_case(&p.status));
            if found.is_none()
                && (p.restarts > 0 || p.phase != "Running")
                && let Some(v) = ctx.spec(p)
            {
                let rs = container_reasons(&v);
                found = reasons
                    .iter()
                    .find(|r| rs.iter().any(|x| x.eq_ignore_ascii_case(r)));
            }
            let Some(r) = found else { continue };
            why = format!("{why}, reason {r}");
        }
        if p.restarts > 0 {
            why = format!("{why}, {} restarts", p.restarts);
        }
        hits.push((p, why));
    }
    let Some((first, _)) = hits.first() else {
        return Outcome::no("no pod matches");
    };
    let mut o = bind_pod(
        Outcome::yes(format!(
            "{} pod(s) match, first {}/{}",
            hits.len(),
            first.namespace,
            first.name
        )),
        ctx,
        first,
    );
    for (p, why) in &hits {
        o = o.with(Evidence::object(pod_subject(p), why.clone()));
    }
    o
}

pub fn events(ctx: &Ctx<'_>, b: &Bindings, reason: Option<&str>, message: Option<&str>) -> Outcome {
    let pod = ctx.bound_pod(b);
    let msg = message.map(str::to_ascii_lowercase);
    let hits: Vec<_> = ctx
        .world
        .events
        .iter()
        .rev()
        .filter(|e| reason.is_none_or(|r| e.reason.eq_ignore_ascii_case(r)))
        .filter(|e| {
            msg.as_ref()
                .is_none_or(|m| e.message.to_ascii_lowercase().contains(m.as_str()))
        })
        .filter(|e| {
            pod.is_none_or(|p| {
                e.namespace == p.namespace && e.object_kind == "Pod" && e.object_name == p.name
            })
        })
        .collect();
    let Some(first) = hits.first() else {
        return Outcome::no("no matching events");
    };
    let mut o = Outcome::yes(format!(
        "{} event(s): {} on {} {}/{}",
        hits.len(),
        first.reason,
        first.object_kind,
        first.namespace,
        first.object_name
    ));
    if pod.is_none() && first.object_kind == "Pod" {
        if let Some(p) = ctx
            .world
            .pods
            .get(&(first.namespace.clone(), first.object_name.clone()))
        {
            o = bind_pod(o, ctx, p);
        } else {
            o = o
                .bind("ns", &first.namespace)
                .bind("pod", &first.object_name);
        }
    }
    for e in hits {
        o = o.with(Evidence {
            at_ms: e.last_ms,
            ..Evidence::object(
                format!("{} {}/{}", e.object_kind, e.namespace, e.object_name),
                format!("{} (x{}): {}", e.reason, e.count.max(1), e.message),
            )
        });
    }
    o
}

/// `(container, name, value)` of every env var (valueFrom shown as `<from ...>`).
pub fn env_vars(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for c in arr(v, "/spec/containers") {
        let cname = c.get("name").and_then(Value::as_str).unwrap_or_default();
        for e in arr(c, "/env") {
            let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
            let value = match e.get("value").and_then(Value::as_str) {
                Some(v) => v.to_string(),
                None if e.get("valueFrom").is_some() => "<from a reference>".into(),
                None => String::new(),
            };
            out.push((cname.to_string(), name.to_string(), value));
        }
    }
    out
}

pub fn pod_env(
    ctx: &Ctx<'_>,
    b: &Bindings,
    scope: Scope,
    var: &str,
    check: EnvCheck,
    value: Option<&str>,
) -> Outcome {
    let pods = ctx.pods(b, scope);
    if pods.is_empty() {
        return Outcome::no(format!("no {scope:?} pods to check"));
    }
    let want = value.unwrap_or_default();
    let mut o = Outcome::no(format!("no pod where {var} is {check:?}"));
    let mut n = 0;
    for p in pods.iter().take(200) {
        let Some(v) = ctx.spec(p) else {
            return Outcome::unknown(format!("{}: pod object unreadable", pod_subject(p)));
        };
        let vars = env_vars(&v);
        let found: Vec<_> = vars.iter().filter(|(_, n, _)| n == var).collect();
        let hit = match check {
            EnvCheck::Missing => found.is_empty(),
            EnvCheck::Present => !found.is_empty(),
            EnvCheck::Equals => found.iter().any(|(_, _, v)| v == want),
            EnvCheck::Contains => found.iter().any(|(_, _, v)| v.contains(want)),
        };
        if !hit {
            continue;
        }
        n += 1;
        if n == 1 {
            o = bind_pod(Outcome::yes(String::new()), ctx, p).bind("var", var);
            if let Some((c, _, _)) = found.first() {
                o = o.bind("container", c.as_str());
            } else if let Some((c, _, _)) = vars.first() {
                o = o.bind("container", c.as_str());
            } else if let Some(c) = v.pointer("/spec/containers/0/name").and_then(Value::as_str) {
                o = o.bind("container", c);
            }
        }
        let detail = match found.first() {
            Some((c, _, val)) => format!("{c}: {var}={val}"),
            None => {
                let set: Vec<_> = vars
                    .iter()
                    .filter(|(_, n, _)| n.starts_with(var.split('_').next().unwrap_or(var)))
                    .map(|(_, n, v)| format!("{n}={v}"))
                    .collect();
                if set.is_empty() {
                    format!("{var} not set")
                } else {
                    format!("{var} not set ({})", set.join(", "))
                }
            }
        };
        o = o.with(Evidence::object(pod_subject(p), detail));
    }
    if o.verdict == crate::triage::probes::Verdict::Yes {
        o.summary = format!("{n} pod(s): {var} {check:?}");
    }
    o
}

fn quantity(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => crate::domain::quantity::parse_quantity(s),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn spec_check(v: &Value, check: SpecCheck) -> Option<String> {
    match check {
        SpecCheck::NoShm => {
            let shm_vol: Vec<&str> = arr(v, "/spec/volumes")
                .filter(|vol| {
                    vol.pointer("/emptyDir/medium").and_then(Value::as_str) == Some("Memory")
                })
                .filter_map(|vol| vol.get("name").and_then(Value::as_str))
                .collect();
            let mounted = arr(v, "/spec/containers").any(|c| {
                arr(c, "/volumeMounts").any(|m| {
                    m.get("mountPath").and_then(Value::as_str) == Some("/dev/shm")
                        && m.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| shm_vol.contains(&n))
                })
            });
            (!mounted)
                .then(|| "no emptyDir{medium: Memory} mounted at /dev/shm (64 MiB default)".into())
        }
        SpecCheck::RequestsNeLimits => {
            for c in arr(v, "/spec/containers") {
                let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
                let req = c.pointer("/resources/requests").and_then(Value::as_object);
                let lim = c.pointer("/resources/limits").and_then(Value::as_object);
                let keys = req.into_iter().chain(lim).flat_map(|m| m.keys());
                for k in keys.filter(|k| is_accel_resource(k)) {
                    let r = req.and_then(|m| m.get(k)).and_then(quantity);
                    let l = lim.and_then(|m| m.get(k)).and_then(quantity);
                    if r.is_some() && l.is_some() && r != l {
                        return Some(format!(
                            "{name}: {k} requests {} != limits {}",
                            r.unwrap_or_default(),
                            l.unwrap_or_default()
                        ));
                    }
                }
            }
            None
        }
        SpecCheck::NoAntiAffinity => {
            let anti = v.pointer("/spec/affinity/podAntiAffinity").is_some();
            let spread = arr(v, "/spec/topologySpreadConstraints").next().is_some();
            (!anti && !spread).then(|| "no podAntiAffinity and no topologySpreadConstraints".into())
        }
        SpecCheck::NoPvc => {
            let pvc = arr(v, "/spec/volumes").any(|vol| vol.get("persistentVolumeClaim").is_some());
            (!pvc).then(|| "no PersistentVolumeClaim volume".into())
        }
    }
}

pub fn pod_spec(ctx: &Ctx<'_>, b: &Bindings, scope: Scope, check: SpecCheck) -> Outcome {
    let pods = ctx.pods(b, scope);
    if pods.is_empty() {
        return Outcome::no(format!("no {scope:?} pods to check"));
    }
    for p in pods.iter().take(200) {
        let Some(v) = ctx.spec(p) else {
            return Outcome::unknown(format!("{}: pod object unreadable", pod_subject(p)));
        };
        if let Some(why) = spec_check(&v, check) {
            return bind_pod(Outcome::yes(why.clone()), ctx, p)
                .with(Evidence::object(pod_subject(p), why));
        }
    }
    Outcome::no(format!(
        "{check:?}: not found on {} pod(s)",
        pods.len().min(200)
    ))
}
