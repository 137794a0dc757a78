//! The triage engine: the playbook model and its validator, probe outcomes, walking a playbook,
//! "what's wrong" over every playbook, the timed walkthrough, and the incident report and its
//! renderings. Reads the world and the features' derive; never sources, the keymap, the
//! filesystem or a clock.

pub mod context;
pub mod findings;
pub mod model;
pub mod outcome;
pub mod render;
pub mod report;
pub mod report_metrics;
pub mod validate;
pub mod walk;
pub mod walkthrough;
