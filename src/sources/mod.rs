//! Sources: the only place where cluster clients, NVML, HTTP and files of recorded incidents are
//! read. Each turns what it reads into `SourceEvent`s for the reducer.

pub mod embedded;
pub mod generator;
pub mod kube;
pub mod kube_logs;
pub mod kube_track;
pub mod kubeconfig;
pub mod nvml;
pub mod prometheus;
pub mod redact;
pub mod replay;
pub mod sandbox;
