//! Distributed training: `derive/` groups raw objects into jobs and ranks and holds the NCCL-aware
//! log intelligence (line parser, signature classifier, cross-rank correlation); `logs` keeps the
//! per-line classification beside the world's log store; `view` keeps the Training pane's rows and
//! log viewer; `pane/` draws them.

pub mod derive;
pub mod logs;
pub mod pane;
pub mod view;
