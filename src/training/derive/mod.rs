//! Pure derivations for training: which objects are training jobs and the NCCL log lens. Reads
//! domain, world and settings; never state, ui, sources or shell.

pub mod jobs;
pub mod nccl;
