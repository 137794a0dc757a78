//! Objects of the serving scenarios as the API returns them: a Deployment mid-rollout (revision
//! annotation, generation, updated/ready/available counts, Progressing condition), a
//! HorizontalPodAutoscaler (autoscaling/v2, with `ScalingLimited` when pinned at a bound), and
//! the pods of one ReplicaSet (its `pod-template-hash`). Cumulative histogram samples for a
//! per-round request mix are here too.

use serde_json::{Value, json};

use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::k8s::{Container, PodSpec, map, ts, uid};
use crate::sources::generator::telemetry::le_label;

/// Where a Deployment's rollout stands.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployStatus {
    pub revision: u32,
    pub generation: u32,
    pub observed: u32,
    pub replicas: u32,
    pub updated: u32,
    pub ready: u32,
    /// `Progressing` condition reason (`ReplicaSetUpdated`, `NewReplicaSetAvailable`).
    pub progress_reason: String,
    /// The ReplicaSet the reason names.
    pub new_rs: String,
}

/// An apps/v1 Deployment whose template is `tpl`'s containers, labels and annotations (minus
/// `pod-template-hash`, which only the ReplicaSet's pods carry).
pub fn deployment(
    tpl: &PodSpec,
    app: &str,
    desired: u32,
    st: &DeployStatus,
    created: Millis,
) -> Value {
    let labels: Vec<(String, String)> = tpl
        .labels
        .iter()
        .filter(|(k, _)| k != "pod-template-hash")
        .cloned()
        .collect();
    let sel = vec![("app".to_string(), app.to_string())];
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": app, "namespace": tpl.namespace, "uid": uid("Deployment", &tpl.namespace, app),
            "creationTimestamp": ts(created), "labels": map(&sel), "generation": st.generation,
            "annotations": {"deployment.kubernetes.io/revision": st.revision.to_string()}},
        "spec": {"replicas": desired, "selector": {"matchLabels": map(&sel)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": map(&labels), "annotations": map(&tpl.annotations)},
                "spec": {"containers": tpl.containers.iter().map(Container::to_json).collect::<Vec<_>>()}}},
        "status": {"observedGeneration": st.observed, "replicas": st.replicas,
            "updatedReplicas": st.updated, "readyReplicas": st.ready, "availableReplicas": st.ready,
            "conditions": [
                {"type": "Available", "status": if st.ready >= desired.saturating_sub(desired / 4) { "True" } else { "False" },
                 "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": st.progress_reason,
                 "message": format!("ReplicaSet \"{}\" {}", st.new_rs,
                    if st.progress_reason == "NewReplicaSetAvailable" { "has successfully progressed." } else { "is progressing." })}]}})
}

/// An autoscaling/v2 HPA on a Deployment, scaling on one Pods metric with an average target.
#[allow(clippy::too_many_arguments)]
pub fn hpa(
    ns: &str,
    target: &str,
    (min, max): (u32, u32),
    (current, desired): (u32, u32),
    metric: &str,
    (target_avg, current_avg): (&str, &str),
    limited: bool,
    created: Millis,
) -> Value {
    let limited_cond = if limited {
        json!({"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
            "message": "the desired replica count is more than the maximum replica count"})
    } else {
        json!({"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange",
            "message": "the desired count is within the acceptable range"})
    };
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": target, "namespace": ns, "uid": uid("HorizontalPodAutoscaler", ns, target),
            "creationTimestamp": ts(created)},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": min, "maxReplicas": max,
            "metrics": [{"type": "Pods", "pods": {"metric": {"name": metric},
                "target": {"type": "AverageValue", "averageValue": target_avg}}}]},
        "status": {"currentReplicas": current, "desiredReplicas": desired,
            "currentMetrics": [{"type": "Pods", "pods": {"metric": {"name": metric},
                "current": {"averageValue": current_avg}}}],
            "conditions": [
                {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                 "message": "recommended size matches current size"},
                {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                 "message": format!("the HPA was able to successfully calculate a replica count from pods metric {metric}")},
                limited_cond]}})
}

/// Cumulative bucket counts of one histogram series set, advanced round by round.
#[derive(Debug, Clone)]
pub struct CumHist {
    bounds: Vec<f64>,
    counts: Vec<f64>,
    sum: f64,
    count: f64,
}

impl CumHist {
    pub fn new(bounds: &[f64]) -> Self {
        CumHist {
            bounds: bounds.to_vec(),
            counts: vec![0.0; bounds.len()],
            sum: 0.0,
            count: 0.0,
        }
    }

    /// Observe `n` requests distributed by `cdf` (share at or under a bound) with mean `mean`.
    pub fn observe(&mut self, n: f64, cdf: impl Fn(f64) -> f64, mean: f64) {
        for (c, b) in self.counts.iter_mut().zip(&self.bounds) {
            *c += (n * cdf(*b)).floor();
        }
        self.count += n;
        self.sum += n * mean;
    }

    /// Push `<name>_bucket` (with `+Inf`), `_sum` and `_count` samples at `t`.
    pub fn emit(&self, tl: &mut Timeline, t: Millis, name: &str, labels: &[(&str, &str)]) {
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let le = le_label(*b);
            let mut l = labels.to_vec();
            l.push(("le", le.as_str()));
            tl.metric(t, &format!("{name}_bucket"), &l, *c);
        }
        let mut l = labels.to_vec();
        l.push(("le", "+Inf"));
        tl.metric(t, &format!("{name}_bucket"), &l, self.count);
        tl.metric(
            t,
            &format!("{name}_sum"),
            labels,
            (self.sum * 1000.0).round() / 1000.0,
        );
        tl.metric(t, &format!("{name}_count"), labels, self.count);
    }
}
