//! Pure derivations for accelerators over the world: inventory (incremental, with its reference
//! build), the allocation arithmetic (`accounting`), telemetry join, health flags, thresholds, MIG layout and XID decoding. Reads domain,
//! world and settings; never state, ui, sources or shell.

pub mod accounting;
pub mod field_map;
pub mod health;
pub mod hist_view;
pub mod inventory;
pub mod inventory_cache;
pub mod inventory_local;
pub mod inventory_pods;
pub mod join_plan;
pub mod labels;
pub mod mig_layout;
pub mod resources;
pub mod staleness;
pub mod telemetry;
pub mod telemetry_join;
pub mod thresholds;
pub mod xid;
pub mod xid_events;
