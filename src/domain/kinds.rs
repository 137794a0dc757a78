//! The one list of distributed-training job kinds: which objects are training jobs, in which
//! API group they live, and where their status says how they are doing. Every other list (the
//! pods' owner kinds, the live watches, the Training pane's lookups, the header's failed-job
//! count) is read from this one.

/// Where a job kind keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// `status.conditions`, the newest `True` one naming the phase (Kubeflow training operator,
    /// JobSet, AscendJob).
    Conditions,
    /// `status.phase` (FineTuningJob).
    Phase,
    /// `status.state.phase` (Volcano `batch.volcano.sh` Job).
    StatePhase,
}

/// One kind of training-job object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobKind {
    pub kind: &'static str,
    /// API group; empty where the kind is served under more than one group (vendor CRDs).
    pub group: &'static str,
    pub status: JobStatus,
}

const fn k(kind: &'static str, group: &'static str, status: JobStatus) -> JobKind {
    JobKind {
        kind,
        group,
        status,
    }
}

/// Every training-job kind, in the order a job's object is looked up by name.
pub const JOB_KINDS: &[JobKind] = &[
    k("PyTorchJob", "kubeflow.org", JobStatus::Conditions),
    k("MPIJob", "kubeflow.org", JobStatus::Conditions),
    k("TFJob", "kubeflow.org", JobStatus::Conditions),
    k("XGBoostJob", "kubeflow.org", JobStatus::Conditions),
    k("PaddleJob", "kubeflow.org", JobStatus::Conditions),
    k("JAXJob", "kubeflow.org", JobStatus::Conditions),
    k("TrainJob", "trainer.kubeflow.org", JobStatus::Conditions),
    k("JobSet", "jobset.x-k8s.io", JobStatus::Conditions),
    k("AscendJob", "", JobStatus::Conditions),
    k("FineTuningJob", "", JobStatus::Phase),
    k("Job", "batch.volcano.sh", JobStatus::StatePhase),
];

/// The job kind of an object's `kind` and `apiVersion`, if it is one. A `Job` is a training
/// job only in the Volcano group; a plain `batch/v1` Job is not (it may still be one by its
/// labels, which `training::derive::jobs` decides).
pub fn job_kind(kind: &str, api_version: &str) -> Option<&'static JobKind> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    JOB_KINDS
        .iter()
        .find(|j| j.kind == kind && (j.kind != "Job" || j.group == group))
}

/// Whether a pod owned by an object of `kind` belongs to a training job. A `Job` owner is left
/// out: most batch Jobs are not training, and Volcano Jobs are recognised by their labels.
pub fn is_training_owner(kind: &str) -> bool {
    kind != "Job" && JOB_KINDS.iter().any(|j| j.kind == kind)
}

/// The distinct `kind` names, in lookup order (`Job` once).
pub fn kind_names() -> impl Iterator<Item = &'static str> {
    JOB_KINDS.iter().map(|j| j.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volcano_jobs_are_jobs_and_batch_jobs_are_not() {
        assert_eq!(
            job_kind("Job", "batch.volcano.sh/v1alpha1").map(|j| j.status),
            Some(JobStatus::StatePhase)
        );
        assert!(job_kind("Job", "batch/v1").is_none());
        assert!(job_kind("JobSet", "jobset.x-k8s.io/v1alpha2").is_some());
        assert!(job_kind("AscendJob", "mindxdl.gitee.com/v1").is_some());
        assert!(job_kind("Deployment", "apps/v1").is_none());
    }

    #[test]
    fn owners_exclude_plain_jobs() {
        assert!(is_training_owner("JobSet"));
        assert!(is_training_owner("FineTuningJob"));
        assert!(!is_training_owner("Job"));
        assert!(!is_training_owner("ReplicaSet"));
    }

    #[test]
    fn names_are_unique() {
        let names: Vec<_> = kind_names().collect();
        let mut dedup = names.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(names.len(), dedup.len());
    }
}
