//! Pure functions over raw source data: Kubernetes objects into domain records, serving
//! endpoints and their objectives (Prometheus text, histogram quantiles, alert rules), and (in
//! later modules) accelerator inventory, job grouping and log classification. Knows neither
//! screen nor cluster client.

pub mod accel_health;
pub mod accel_labels;
pub mod accel_resources;
pub mod alert_eval;
pub mod alerts;
pub mod attention;
pub mod attention_rank;
pub mod counter;
pub mod endpoints;
pub mod endpoints_kserve;
pub mod field_map;
pub mod hist_index;
pub mod hist_view;
pub mod histogram;
pub mod inventory;
pub mod inventory_cache;
pub mod inventory_local;
pub mod inventory_pods;
pub mod join_plan;
pub mod mig_layout;
pub mod nccl;
pub mod nvml_samples;
pub mod objects;
pub mod promtext;
pub mod quantity;
pub mod selector;
pub mod serving;
pub mod serving_names;
pub mod sparkline;
pub mod summary;
pub mod telemetry;
pub mod telemetry_join;
pub mod thresholds;
pub mod training_jobs;
pub mod workloads;
pub mod xid;
pub mod xid_events;
