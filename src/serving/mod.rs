//! Model serving: `derive/` discovers endpoints from raw objects, reads the metric names each
//! server exports, computes histogram quantiles, sparklines and alert states; `view` keeps the
//! Serving pane's refreshed endpoints and alert book; `pane/` draws them.

pub mod derive;
pub mod pane;
pub mod view;
