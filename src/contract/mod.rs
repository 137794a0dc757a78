//! The contract between sources, reducer and runner: what flows in (`event`: `Msg`,
//! `SourceEvent`), what users ask for (`action`), what the reducer asks the runner to do
//! (`effect`), and the scenario file format (`scenario`). Depends only on `domain`.

pub mod action;
pub mod effect;
pub mod event;
pub mod scenario;
