//! The NetworkPolicy probe: policies whose pod selector matches a pod, and whether they let
//! anything but TCP through (RoCEv2 runs over UDP 4791).

use serde_json::Value;

use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::Scope;
use crate::triage::engine::context::Ctx;
use crate::triage::probes::pods::{arr, bind_pod};
use crate::triage::probes::{Evidence, Outcome};

/// Whether a label selector (`matchLabels` / `matchExpressions`) matches labels.
pub fn selector_matches(sel: &Value, labels: &std::collections::BTreeMap<String, String>) -> bool {
    let ml = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|m| {
            m.iter()
                .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
        });
    let me = arr(sel, "/matchExpressions").all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let vals: Vec<&str> = arr(e, "/values").filter_map(Value::as_str).collect();
        let have = labels.get(key);
        match e
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "In" => have.is_some_and(|h| vals.contains(&h.as_str())),
            "NotIn" => have.is_none_or(|h| !vals.contains(&h.as_str())),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        }
    });
    ml && me
}

/// For each direction the policy restricts, whether any allowed port is non-TCP.
fn lets_udp(policy: &Value, dir: &str) -> bool {
    let rules: Vec<&Value> = arr(policy, &format!("/spec/{dir}")).collect();
    rules.iter().any(|r| {
        let ports: Vec<&Value> = arr(r, "/ports").collect();
        // A rule with no ports allows every port and protocol (to its peers).
        ports.is_empty()
            || ports.iter().any(|p| {
                p.get("protocol").and_then(Value::as_str).unwrap_or("TCP") != "TCP"
                    && p.get("port").and_then(Value::as_u64) != Some(53)
            })
    })
}

pub fn network_policy(ctx: &Ctx<'_>, b: &Bindings, scope: Scope, non_tcp_blocked: bool) -> Outcome {
    let pods = ctx.pods(b, scope);
    if pods.is_empty() {
        return Outcome::no("no pods in scope");
    }
    let policies: Vec<_> = ctx.world.objects_of("NetworkPolicy").collect();
    if policies.is_empty() {
        return Outcome::no("no NetworkPolicy objects seen");
    }
    for p in pods {
        for (k, pol) in &policies {
            if k.namespace != p.namespace {
                continue;
            }
            let Some(sel) = pol.pointer("/spec/podSelector") else {
                continue;
            };
            if !selector_matches(sel, &p.labels) {
                continue;
            }
            let types: Vec<&str> = arr(pol, "/spec/policyTypes")
                .filter_map(Value::as_str)
                .collect();
            let blocked: Vec<&str> = ["ingress", "egress"]
                .into_iter()
                .filter(|d| types.iter().any(|t| t.eq_ignore_ascii_case(d)))
                .filter(|d| !lets_udp(pol, d))
                .collect();
            if non_tcp_blocked && blocked.is_empty() {
                continue;
            }
            let detail = if blocked.is_empty() {
                format!("selects the pod; policyTypes {}", types.join(","))
            } else {
                format!(
                    "selects the pod; {} allow(s) only TCP (RoCEv2 needs UDP 4791)",
                    blocked.join(" and ")
                )
            };
            let created = pol
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .and_then(crate::world::objects::parse_time);
            let mut o = bind_pod(
                Outcome::yes(format!("NetworkPolicy {}/{} {detail}", k.namespace, k.name)),
                ctx,
                p,
            )
            .bind("policy", &k.name)
            .with(Evidence {
                at_ms: created,
                ..Evidence::object(
                    format!("NetworkPolicy {}/{}", k.namespace, k.name),
                    format!("{detail}; pod {}", p.name),
                )
            });
            if let Some(d) = pol
                .pointer("/metadata/annotations/description")
                .and_then(Value::as_str)
            {
                o = o.with(Evidence::object(format!("NetworkPolicy {}", k.name), d));
            }
            return o;
        }
    }
    Outcome::no("no NetworkPolicy selects the pods in scope")
}
