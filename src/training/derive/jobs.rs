//! Training jobs as objects: which raw objects are distributed-training jobs (Kubeflow
//! PyTorchJob / MPIJob / TFJob, JobSet, Volcano `batch.volcano.sh` Job, AscendJob, the
//! FineTuningJob of seeds/003, labelled batch Jobs) and their phase; and the facts of a training
//! pod's spec that matter to NCCL: key environment variables compared with the reference values
//! of seeds/004 §5.3, the `/dev/shm` size and the devices it holds. Unknown kinds are ignored.

use serde_json::Value;

use crate::domain::Millis;
use crate::domain::kinds::{JobStatus, job_kind};
use crate::world::objects::parse_time;

/// A training job object and its phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobObject {
    pub kind: String,
    pub phase: String,
    /// The phase is not one of the FineTuningJob state machine's (seeds/003).
    pub noncanonical: bool,
    /// When the object entered its phase (see `phase_since`).
    pub since_ms: Option<Millis>,
}

/// The FineTuningJob phases in order (seeds/003): Pending → Preparing → Running → Succeeded /
/// Failed / Cancelled.
pub const FINETUNING_PHASES: &[&str] = &[
    "Pending",
    "Preparing",
    "Running",
    "Succeeded",
    "Failed",
    "Cancelled",
];

fn text<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

/// The newest condition whose status is `True`, by position (operators append).
fn true_condition(obj: &Value) -> Option<&str> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .rev()
        .find(|c| c.get("status").and_then(Value::as_str) == Some("True"))
        .and_then(|c| c.get("type").and_then(Value::as_str))
}

/// When a job object entered its phase: the newest `True` condition's `lastTransitionTime`
/// (Volcano: `status.state.lastTransitionTime`), else `status.startTime`, else its creation.
pub fn phase_since(obj: &Value) -> Option<Millis> {
    let newest_true = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .rev()
                .find(|c| c.get("status").and_then(Value::as_str) == Some("True"))
        })
        .and_then(|c| text(c, "/lastTransitionTime"));
    newest_true
        .or_else(|| text(obj, "/status/state/lastTransitionTime"))
        .or_else(|| text(obj, "/status/startTime"))
        .or_else(|| text(obj, "/metadata/creationTimestamp"))
        .and_then(parse_time)
}

/// A batch Job's phase from its conditions and counts.
pub fn batch_job_phase(obj: &Value) -> String {
    if let Some(c) = true_condition(obj) {
        return match c {
            "Complete" => "Succeeded".into(),
            other => other.to_string(),
        };
    }
    let n = |k: &str| obj.pointer(k).and_then(Value::as_u64).unwrap_or(0);
    if n("/status/active") > 0 {
        "Running".into()
    } else if n("/status/failed") > 0 {
        "Failed".into()
    } else {
        "Pending".into()
    }
}

/// Whether a raw object is a training job, and its phase. `None` for every other kind
/// (unknown CRDs included).
pub fn job_object(obj: &Value) -> Option<JobObject> {
    let kind = text(obj, "/kind")?;
    let api = text(obj, "/apiVersion").unwrap_or_default();
    let labels = |k: &str| text(obj, &format!("/metadata/labels/{}", k.replace('/', "~1")));
    let phase = match job_kind(kind, api).map(|j| j.status) {
        Some(JobStatus::Conditions) => true_condition(obj).unwrap_or("Created").to_string(),
        Some(JobStatus::Phase) => {
            let p = text(obj, "/status/phase").unwrap_or("Pending").to_string();
            let noncanonical = !FINETUNING_PHASES.contains(&p.as_str());
            return Some(JobObject {
                kind: kind.into(),
                phase: p,
                noncanonical,
                since_ms: phase_since(obj),
            });
        }
        Some(JobStatus::StatePhase) => text(obj, "/status/state/phase")
            .unwrap_or("Pending")
            .to_string(),
        None if kind == "Job"
            && (labels("training") == Some("distributed")
                || labels("app") == Some("distributed-training")) =>
        {
            batch_job_phase(obj)
        }
        None => return None,
    };
    let kind = if kind == "Job" && api.starts_with("batch.volcano.sh") {
        "VolcanoJob"
    } else {
        kind
    };
    Some(JobObject {
        kind: kind.into(),
        phase,
        noncanonical: false,
        since_ms: phase_since(obj),
    })
}

/// The environment variables the rank grid shows, in column order.
pub const KEY_ENV: &[&str] = &[
    "NCCL_SOCKET_IFNAME",
    "NCCL_IB_DISABLE",
    "NCCL_DEBUG",
    "MASTER_ADDR",
    "MASTER_PORT",
    "WORLD_SIZE",
];

/// Reference values from seeds/004 §5.3 (the NCCL-optimised Job). MASTER_ADDR is shown, not
/// compared: the reference name depends on the job's own name.
pub const REFERENCE_ENV: &[(&str, &str)] = &[
    ("NCCL_SOCKET_IFNAME", "eth0"),
    ("NCCL_IB_DISABLE", "0"),
    ("NCCL_DEBUG", "INFO"),
    ("MASTER_PORT", "12345"),
    ("WORLD_SIZE", "4"),
];

/// One key env var of a pod, compared with the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvCheck {
    pub name: &'static str,
    /// `None` when the container does not set it.
    pub value: Option<String>,
    pub reference: Option<&'static str>,
}

impl EnvCheck {
    /// Set and different from the reference, or missing where a reference exists.
    pub fn differs(&self) -> bool {
        match (self.reference, &self.value) {
            (Some(r), Some(v)) => r != v,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// A value that makes a TCP fallback likely (seeds/004: a missing `NCCL_SOCKET_IFNAME`,
    /// or `NCCL_IB_DISABLE=1`).
    pub fn risky(&self) -> bool {
        match self.name {
            "NCCL_SOCKET_IFNAME" => self.value.is_none(),
            "NCCL_IB_DISABLE" => self.value.as_deref() == Some("1"),
            _ => false,
        }
    }
}

/// What a training pod's spec says about NCCL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecFacts {
    pub env: Vec<EnvCheck>,
    /// `/dev/shm` as mounted: the emptyDir size limit, `memory` for an unbounded memory
    /// emptyDir, `none` (the runtime's 64 MiB default) when nothing is mounted there.
    pub shm: String,
    /// Whether `shm` is the small default.
    pub shm_default: bool,
    /// Accelerator devices named by the pod (`CUDA_VISIBLE_DEVICES`, Ascend annotation).
    pub visible_devices: Option<String>,
    /// The literal value of the spec's `RANK` variable (`ranks::env_rank`).
    pub env_rank: Option<u32>,
    /// When the pod entered its current state, from the object (`since::object_since`).
    pub since_ms: Option<Millis>,
}

fn env_value(c: &Value, name: &str) -> Option<String> {
    c.get("env")?.as_array()?.iter().find_map(|e| {
        (e.get("name").and_then(Value::as_str) == Some(name)).then(|| {
            e.get("value")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| "(from ref)".into())
        })
    })
}

/// Read the spec facts from a pod's raw JSON text. Bad JSON gives empty facts, never an error.
pub fn spec_facts(raw: &str) -> SpecFacts {
    let Ok(v) = serde_json::from_str::<Value>(raw) else {
        return SpecFacts {
            shm: "unavailable: pod spec unreadable".into(),
            ..SpecFacts::default()
        };
    };
    let containers: Vec<&Value> = v
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let find = |name: &str| containers.iter().find_map(|c| env_value(c, name));
    let env = KEY_ENV
        .iter()
        .map(|&name| EnvCheck {
            name,
            value: find(name),
            reference: REFERENCE_ENV
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, r)| *r),
        })
        .collect();
    let shm_volume = containers.iter().find_map(|c| {
        c.get("volumeMounts")?.as_array()?.iter().find_map(|m| {
            (m.get("mountPath").and_then(Value::as_str) == Some("/dev/shm"))
                .then(|| m.get("name").and_then(Value::as_str))
                .flatten()
        })
    });
    let (shm, shm_default) = match shm_volume {
        None => ("none".to_string(), true),
        Some(name) => {
            let vol = v
                .pointer("/spec/volumes")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .find(|x| x.get("name").and_then(Value::as_str) == Some(name))
                });
            match vol.and_then(|x| x.get("emptyDir")) {
                Some(ed) => match ed.get("sizeLimit").and_then(Value::as_str) {
                    Some(limit) => (limit.to_string(), false),
                    None => ("memory".to_string(), false),
                },
                None => (format!("volume {name}"), false),
            }
        }
    };
    let visible_devices = find("CUDA_VISIBLE_DEVICES")
        .or_else(|| find("NVIDIA_VISIBLE_DEVICES"))
        .or_else(|| {
            text(&v, "/metadata/annotations/huawei.com~1AscendReal").map(|s| {
                let n = s.split(',').filter(|x| !x.is_empty()).count();
                format!("{n} NPU")
            })
        });
    SpecFacts {
        env,
        shm,
        shm_default,
        visible_devices,
        env_rank: crate::training::derive::ranks::env_rank(&v),
        since_ms: crate::training::derive::since::object_since(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_and_phases() {
        let pt = json!({"kind": "PyTorchJob", "apiVersion": "kubeflow.org/v1", "status": {"conditions": [
            {"type": "Created", "status": "True"}, {"type": "Running", "status": "False"},
            {"type": "Restarting", "status": "True"}]}});
        assert_eq!(job_object(&pt).map(|j| j.phase), Some("Restarting".into()));
        let ft = json!({"kind": "FineTuningJob", "status": {"phase": "Preparing"}});
        let j = job_object(&ft).expect("finetuning");
        assert_eq!((j.phase.as_str(), j.noncanonical), ("Preparing", false));
        let odd = json!({"kind": "FineTuningJob", "status": {"phase": "Paused"}});
        assert!(job_object(&odd).is_some_and(|j| j.noncanonical));
        let vc = json!({"kind": "Job", "apiVersion": "batch.volcano.sh/v1alpha1",
            "status": {"state": {"phase": "Running"}}});
        assert_eq!(job_object(&vc).map(|j| j.kind), Some("VolcanoJob".into()));
        let plain = json!({"kind": "Job", "apiVersion": "batch/v1",
            "metadata": {"labels": {"app": "distributed-training"}}, "status": {"active": 4}});
        assert_eq!(job_object(&plain).map(|j| j.phase), Some("Running".into()));
        let etl = json!({"kind": "Job", "apiVersion": "batch/v1", "status": {"active": 1}});
        assert!(job_object(&etl).is_none());
        assert!(job_object(&json!({"kind": "Widget", "apiVersion": "x.io/v1"})).is_none());
    }

    #[test]
    fn the_phase_is_dated_by_its_own_transition() {
        let pt = json!({"kind": "PyTorchJob", "apiVersion": "kubeflow.org/v1",
            "metadata": {"creationTimestamp": "2026-11-22T08:00:00Z"},
            "status": {"conditions": [
                {"type": "Created", "status": "True", "lastTransitionTime": "2026-11-22T08:00:00Z"},
                {"type": "Restarting", "status": "True", "lastTransitionTime": "2026-11-22T10:31:00Z"},
                {"type": "Running", "status": "False", "lastTransitionTime": "2026-11-22T10:32:00Z"}]}});
        let at = |t| parse_time(t);
        assert_eq!(phase_since(&pt), at("2026-11-22T10:31:00Z"));
        let job = json!({"kind": "Job", "status": {"active": 1, "startTime": "2026-11-22T10:00:00Z"},
            "metadata": {"creationTimestamp": "2026-11-22T09:59:00Z"}});
        assert_eq!(phase_since(&job), at("2026-11-22T10:00:00Z"));
        assert_eq!(phase_since(&json!({})), None);
    }

    #[test]
    fn env_and_shm_against_reference() {
        let raw = json!({"spec": {"containers": [{"env": [
            {"name": "NCCL_IB_DISABLE", "value": "1"}, {"name": "NCCL_DEBUG", "value": "INFO"},
            {"name": "WORLD_SIZE", "value": "4"}],
            "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}]}})
        .to_string();
        let f = spec_facts(&raw);
        let get = |n: &str| f.env.iter().find(|e| e.name == n).expect("key env");
        assert!(get("NCCL_IB_DISABLE").differs() && get("NCCL_IB_DISABLE").risky());
        assert!(!get("NCCL_DEBUG").differs());
        assert!(get("NCCL_SOCKET_IFNAME").risky() && get("NCCL_SOCKET_IFNAME").differs());
        assert!(!get("MASTER_ADDR").differs());
        assert_eq!((f.shm.as_str(), f.shm_default), ("16Gi", false));
        let none = spec_facts(r#"{"spec":{"containers":[{}]}}"#);
        assert!(none.shm_default);
        assert!(spec_facts("not json").shm.starts_with("unavailable"));
    }
}
