//! Pure derivations for training: which objects are training jobs, the one rank numbering of
//! their pods, when a pod's condition began, the Stuck / Failing rule and the NCCL log lens.
//! Reads domain, world and settings; never state, ui, sources or shell.

pub mod health;
pub mod jobs;
pub mod nccl;
pub mod ranks;
pub mod since;
