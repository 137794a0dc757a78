//! NCCL-aware log intelligence for training jobs: a line parser for NCCL / PyTorch / torchrun /
//! HCCL logs (`line`), code decoders (`codes`), failure signatures loaded from data
//! (`signatures`, built-in `assets/signatures.toml` plus user rules), the streaming classifier
//! that turns lines into `SignatureHit`s (`classify`) and cross-rank correlation (`correlate`).
//! Everything here is pure: bytes in, findings out.

pub mod classify;
pub mod codes;
pub mod correlate;
pub mod line;

pub use classify::{Scanner, SignatureHit, SourceScan, classify_text, pod_source};
pub use correlate::{Correlation, WatchdogReport, correlate};
