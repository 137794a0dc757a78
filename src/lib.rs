//! aicockpit: a terminal cockpit for the people on call for AI/ML Kubernetes clusters.
//!
//! Data flows one way: `sources` turn clusters, NVML and recorded scenarios into
//! `event::SourceEvent`s; `state::update` folds them (and user input) into `state::AppState`,
//! asking for I/O as `effect::Effect`s; `analysis` interprets raw data with pure functions; `ui`
//! draws the state. See `DESIGN.md` in the shared folder for the principles.

pub mod action;
pub mod analysis;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod effect;
pub mod event;
pub mod r#gen;
pub mod gpus;
pub mod keymap;
pub mod live;
pub mod logging;
pub mod record;
pub mod scan;
pub mod sources;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod triage;
pub mod ui;
