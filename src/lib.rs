//! aicockpit: a terminal cockpit for the people on call for AI/ML Kubernetes clusters.
//!
//! Data flows one way: `sources` turn clusters, NVML and recorded scenarios into
//! `contract::event::SourceEvent`s; `world` folds them into the ingest model; `state::update`
//! (the one reducer) applies them and user input to `state::AppState`, asking for I/O as
//! `contract::effect::Effect`s that `shell` carries out. Each feature (`accel`, `training`,
//! `serving`, `triage`) owns its `derive/` (pure functions over the world), its view (refreshed
//! on a tick) and its pane (drawn read-only); `ui` lays the panes out. `docs/architecture.md`
//! has the tree and the dependency rules that `tests/architecture.rs` checks.

pub mod accel;
pub mod contract;
pub mod domain;
pub mod serving;
pub mod settings;
pub mod shell;
pub mod sources;
pub mod state;
pub mod training;
pub mod triage;
pub mod ui;
pub mod world;
