//! Accelerators: GPU, MIG and NPU nodes. `derive/` turns the world (node objects, device-plugin
//! ConfigMaps, exporter series, NVML readings) into the inventory, joined telemetry, health flags
//! and threshold breaches; `view` keeps the Nodes pane's refreshed rows, histories and cursor;
//! `pane/` draws them.

pub mod derive;
pub mod pane;
pub mod view;
