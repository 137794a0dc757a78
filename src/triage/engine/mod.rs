//! The triage engine: probe outcomes, walking a playbook (the model is `settings::playbooks`),
//! "what's wrong" over every playbook, the timed walkthrough, and the incident report, its
//! evidence file and their renderings. Reads the world and the features' derive; never
//! sources, the keymap, the filesystem or a clock.

pub mod context;
pub mod findings;
pub mod outcome;
pub mod quick_checks;
pub mod render;
pub mod report;
pub mod report_closure;
pub mod report_evidence;
pub mod report_metrics;
pub mod report_objects;
pub mod report_summary;
pub mod walk;
pub mod walkthrough;
