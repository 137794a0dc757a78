//! Guided troubleshooting: playbooks (rule data, loaded by `settings::rules`) run read-only
//! probes (code, a closed set) against the world, walk their decision trees to conclusions with
//! evidence and fixes, rank what is wrong, drive the 10-minute walkthrough and write incident
//! reports. `engine/` and `probes/` are pure: they know neither screen nor cluster client nor
//! the filesystem.

pub mod attention;
pub mod attention_order;
pub mod attention_rank;
pub mod coverage;
pub mod engine;
pub mod pane;
pub mod probes;
pub mod summary;
pub mod view;
