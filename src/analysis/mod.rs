//! Pure functions over raw source data: Kubernetes objects into domain records, and (in later
//! modules) accelerator inventory, job grouping, log classification and latency quantiles. Knows
//! neither screen nor cluster client.

pub mod accel_health;
pub mod accel_labels;
pub mod accel_resources;
pub mod inventory;
pub mod inventory_pods;
pub mod objects;
pub mod quantity;
pub mod telemetry;
pub mod telemetry_join;
pub mod thresholds;
pub mod xid;
