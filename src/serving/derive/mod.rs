//! Pure derivations for serving: endpoint discovery, objectives, counters, histogram quantiles
//! (one at a time and indexed for many endpoints), sparklines and alert evaluation. Reads domain,
//! world and settings; never state, ui, sources or shell.

pub mod alert_eval;
pub mod counter;
pub mod endpoints;
pub mod endpoints_kserve;
pub mod hist_index;
pub mod histogram;
pub mod names;
pub mod objectives;
pub mod promtext;
pub mod sparkline;
