//! Distributed training: `derive/` groups raw objects into jobs and ranks and holds the NCCL-aware
//! log intelligence (line parser, signature classifier, cross-rank correlation); `log_intel` keeps the
//! per-line classification beside the world's log store; `view` keeps the Training pane's rows and
//! log viewer; `pane/` draws them.

pub mod derive;
pub mod log_intel;
pub mod pane;
pub mod view;
