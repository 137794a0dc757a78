//! Workload classification over domain records and raw objects: which pods belong to a
//! distributed training job (and which rank they are), which objects serve models, and which pod
//! statuses need attention. Pure functions, used at ingest by the world's indexes and by the UI.

use serde_json::Value;

use crate::domain::PodInfo;

use crate::domain::kinds::is_training_owner;

/// The Kubeflow training-operator label naming a pod's job.
pub const JOB_NAME_LABEL: &str = "training.kubeflow.org/job-name";
/// The Kubeflow label naming a pod's replica type (Master, Worker, Launcher ...).
pub const REPLICA_TYPE_LABEL: &str = "training.kubeflow.org/replica-type";
/// The Kubeflow label giving a pod's index within its replica type.
pub const REPLICA_INDEX_LABEL: &str = "training.kubeflow.org/replica-index";

/// Where a training pod sits in its job.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RankOf {
    pub job: String,
    /// Replica type as labelled (`master`, `worker` ...), empty when unknown.
    pub role: String,
    /// Replica index, `u32::MAX` when unknown (sorts last).
    pub rank: u32,
}

/// The value of annotation `key` in a pod's raw JSON text, found without parsing the object
/// (only `"key":"value"` forms, as the API serialises them).
fn raw_annotation<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":\"");
    let i = raw.find(&pat)? + pat.len();
    let rest = &raw[i..];
    Some(&rest[..rest.find('"')?])
}

/// The training job a pod belongs to, if any: the Kubeflow job-name label, JobSet and Volcano
/// job labels, a training-operator owner (PyTorchJob, MPIJob, TFJob, AscendJob ...), an Ascend
/// `hccl/rankIndex` annotation, an Indexed Job pod that requests accelerators, or a batch Job
/// owner when the pod is labelled `training=distributed` or `app=distributed-training`.
pub fn training_rank(pod: &PodInfo) -> Option<RankOf> {
    let label = |k: &str| pod.labels.get(k).map(String::as_str);
    let distributed =
        label("training") == Some("distributed") || label("app") == Some("distributed-training");
    let hccl_rank = if pod.raw.contains("hccl/rankIndex") {
        raw_annotation(&pod.raw, "hccl/rankIndex")
    } else {
        None
    };
    let completion = label("batch.kubernetes.io/job-completion-index");
    let indexed_accel = completion.is_some() && !pod.accel_requests.is_empty();
    let job = match (label(JOB_NAME_LABEL), &pod.owner) {
        (Some(j), _) => j.to_string(),
        (None, _) if label("jobset.sigs.k8s.io/jobset-name").is_some() => {
            label("jobset.sigs.k8s.io/jobset-name")?.to_string()
        }
        (None, _) if label("volcano.sh/job-name").is_some() => {
            label("volcano.sh/job-name")?.to_string()
        }
        (None, Some((kind, name))) if is_training_owner(kind) => name.clone(),
        (None, Some((kind, name)))
            if kind == "Job" && (distributed || hccl_rank.is_some() || indexed_accel) =>
        {
            name.clone()
        }
        (None, _) if distributed || hccl_rank.is_some() => {
            label("job-name").unwrap_or(&pod.name).to_string()
        }
        _ => return None,
    };
    let role = label(REPLICA_TYPE_LABEL)
        .or_else(|| label("jobset.sigs.k8s.io/replicatedjob-name"))
        .or_else(|| label("volcano.sh/task-spec"))
        .or_else(|| label("role"))
        .unwrap_or(if hccl_rank.is_some() { "worker" } else { "" })
        .to_ascii_lowercase();
    let rank = label(REPLICA_INDEX_LABEL)
        .or(hccl_rank)
        .or(completion)
        .or_else(|| label("volcano.sh/task-index"))
        .or_else(|| label("rank"))
        .and_then(|r| r.parse().ok())
        .unwrap_or(u32::MAX);
    Some(RankOf { job, role, rank })
}

/// How bad a pod status is: `Some(true)` for failed/crashing, `Some(false)` for stuck or
/// waiting, `None` for fine.
pub fn pod_trouble(status: &str, phase: &str) -> Option<bool> {
    match status {
        "CrashLoopBackOff"
        | "Error"
        | "OOMKilled"
        | "Failed"
        | "Evicted"
        | "CreateContainerConfigError"
        | "CreateContainerError"
        | "RunContainerError"
        | "ContainerStatusUnknown"
        | "StartError" => Some(true),
        "Pending"
        | "ImagePullBackOff"
        | "ErrImagePull"
        | "InvalidImageName"
        | "Unknown"
        | "UnexpectedAdmissionError" => Some(false),
        _ if phase == "Failed" => Some(true),
        _ if phase == "Pending" && status != "ContainerCreating" && status != "PodInitializing" => {
            Some(false)
        }
        _ => None,
    }
}

/// Model servers the cockpit recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServerKind {
    Vllm,
    Triton,
    Tgi,
    KServe,
    Other,
}

impl ServerKind {
    pub fn label(self) -> &'static str {
        match self {
            ServerKind::Vllm => "vllm",
            ServerKind::Triton => "triton",
            ServerKind::Tgi => "tgi",
            ServerKind::KServe => "kserve",
            ServerKind::Other => "model",
        }
    }
}

fn containers(obj: &Value) -> impl Iterator<Item = &Value> {
    obj.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The first container image of a workload (empty when none).
pub fn first_image(obj: &Value) -> &str {
    containers(obj)
        .find_map(|c| c.get("image").and_then(Value::as_str))
        .unwrap_or_default()
}

/// Whether a raw Deployment, StatefulSet or InferenceService serves a model, and with what: an
/// image naming a known server, the label `app=model-serving`, or a container port 8000-8002.
pub fn serving_kind(obj: &Value) -> Option<ServerKind> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    if kind == "InferenceService" {
        return Some(ServerKind::KServe);
    }
    if kind != "Deployment" && kind != "StatefulSet" {
        return None;
    }
    for c in containers(obj) {
        let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
        let image = image.to_ascii_lowercase();
        for (needle, k) in [
            ("vllm", ServerKind::Vllm),
            ("tritonserver", ServerKind::Triton),
            ("text-generation-inference", ServerKind::Tgi),
            ("kserve", ServerKind::KServe),
        ] {
            if image.contains(needle) {
                return Some(k);
            }
        }
    }
    let labelled = obj.pointer("/metadata/labels/app").and_then(Value::as_str)
        == Some("model-serving")
        || obj
            .pointer("/spec/template/metadata/labels/app")
            .and_then(Value::as_str)
            == Some("model-serving");
    let port = containers(obj)
        .filter_map(|c| c.get("ports").and_then(Value::as_array))
        .flatten()
        .filter_map(|p| p.get("containerPort").and_then(Value::as_u64))
        .any(|p| (8000..=8002).contains(&p));
    (labelled || port).then_some(ServerKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: &[(&str, &str)], owner: Option<(&str, &str)>) -> PodInfo {
        PodInfo {
            name: "p-0".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            owner: owner.map(|(k, n)| (k.to_string(), n.to_string())),
            ..PodInfo::default()
        }
    }

    #[test]
    fn kubeflow_labels_give_job_role_and_rank() {
        let p = pod(
            &[
                (JOB_NAME_LABEL, "llama"),
                (REPLICA_TYPE_LABEL, "Worker"),
                (REPLICA_INDEX_LABEL, "3"),
            ],
            None,
        );
        let r = training_rank(&p).expect("training pod");
        assert_eq!(
            (r.job.as_str(), r.role.as_str(), r.rank),
            ("llama", "worker", 3)
        );
    }

    #[test]
    fn owners_and_labels_decide_membership() {
        assert_eq!(
            training_rank(&pod(&[], Some(("MPIJob", "bert")))).map(|r| r.job),
            Some("bert".to_string())
        );
        assert!(training_rank(&pod(&[], Some(("Job", "etl")))).is_none());
        assert_eq!(
            training_rank(&pod(&[("training", "distributed")], Some(("Job", "ddp"))))
                .map(|r| r.job),
            Some("ddp".to_string())
        );
        assert!(training_rank(&pod(&[("app", "web")], Some(("ReplicaSet", "x")))).is_none());
    }

    #[test]
    fn jobset_volcano_ascend_and_indexed_jobs() {
        let js = pod(
            &[
                ("jobset.sigs.k8s.io/jobset-name", "js"),
                ("jobset.sigs.k8s.io/replicatedjob-name", "workers"),
                ("batch.kubernetes.io/job-completion-index", "2"),
            ],
            Some(("Job", "js-workers-0")),
        );
        let r = training_rank(&js).expect("jobset pod");
        assert_eq!(
            (r.job.as_str(), r.role.as_str(), r.rank),
            ("js", "workers", 2)
        );
        let vc = pod(
            &[
                ("volcano.sh/job-name", "vj"),
                ("volcano.sh/task-spec", "Worker"),
            ],
            Some(("Job", "vj")),
        );
        assert_eq!(
            training_rank(&vc).map(|r| (r.job, r.role)),
            Some(("vj".into(), "worker".into()))
        );
        let mut npu = pod(&[("job-name", "resnet")], Some(("Job", "resnet")));
        npu.raw = r#"{"metadata":{"annotations":{"hccl/rankIndex":"5"}}}"#.into();
        assert_eq!(training_rank(&npu).map(|r| r.rank), Some(5));
        let mut idx = pod(
            &[("batch.kubernetes.io/job-completion-index", "1")],
            Some(("Job", "sweep")),
        );
        assert!(
            training_rank(&idx).is_none(),
            "an indexed job without accelerators is not training"
        );
        idx.accel_requests.insert("nvidia.com/gpu".into(), 1.0);
        assert_eq!(training_rank(&idx).map(|r| r.rank), Some(1));
        assert_eq!(
            training_rank(&pod(&[], Some(("TFJob", "tf")))).map(|r| r.job),
            Some("tf".to_string())
        );
        assert!(training_rank(&pod(&[], Some(("SomeUnknownCrd", "x")))).is_none());
    }

    #[test]
    fn trouble_levels() {
        assert_eq!(pod_trouble("CrashLoopBackOff", "Running"), Some(true));
        assert_eq!(pod_trouble("Pending", "Pending"), Some(false));
        assert_eq!(pod_trouble("ContainerCreating", "Pending"), None);
        assert_eq!(pod_trouble("Running", "Running"), None);
    }

    #[test]
    fn serving_detection() {
        let dep = |image: &str, port: u64| {
            json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec":
                {"containers": [{"image": image, "ports": [{"containerPort": port}]}]}}}})
        };
        assert_eq!(
            serving_kind(&dep("vllm/vllm-openai:v0.6", 80)),
            Some(ServerKind::Vllm)
        );
        assert_eq!(
            serving_kind(&dep("nvcr.io/nvidia/tritonserver:24.01", 80)),
            Some(ServerKind::Triton)
        );
        assert_eq!(
            serving_kind(&dep("my/api:1", 8001)),
            Some(ServerKind::Other)
        );
        assert_eq!(serving_kind(&dep("nginx:1", 80)), None);
        assert_eq!(
            serving_kind(&json!({"kind": "InferenceService"})),
            Some(ServerKind::KServe)
        );
        assert_eq!(serving_kind(&json!({"kind": "ConfigMap"})), None);
    }
}
