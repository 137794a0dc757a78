//! The subcommands, one file each: `scenarios`, `info`, `completions`, `generate`, `gpus`,
//! `scan-logs`, `triage`, `record` and `sandbox`. Each returns its text (or writes its file)
//! so tests can call it without a terminal; `main.rs` dispatches to them.

pub mod completions;
pub mod generate;
pub mod gpus;
pub mod info;
pub mod record;
pub mod sandbox;
pub mod scan_logs;
pub mod scenarios;
pub mod triage;
