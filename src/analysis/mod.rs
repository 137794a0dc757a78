//! Pure functions over raw source data: Kubernetes objects into domain records, and (in later
//! modules) accelerator inventory, job grouping, log classification and latency quantiles. Knows
//! neither screen nor cluster client.

pub mod attention;
pub mod objects;
pub mod quantity;
pub mod summary;
pub mod workloads;
