//! Logging: `tracing` events go to tui-logger's in-memory buffer (shown in the program log
//! pane), never to the terminal, which the cockpit owns. The level comes from `AICOCKPIT_LOG`,
//! else `RUST_LOG`, else `info` (env-filter syntax, e.g. `aicockpit=debug,kube=warn`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter spec in effect.
pub fn filter_spec() -> String {
    ["AICOCKPIT_LOG", "RUST_LOG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "info".to_string())
}

/// Install the subscriber. Returns warnings worth showing the user (a bad filter spec, a
/// second initialisation); logging problems never stop the program.
pub fn init() -> Vec<String> {
    let mut warnings = Vec::new();
    let spec = filter_spec();
    let filter = EnvFilter::try_new(&spec).unwrap_or_else(|e| {
        warnings.push(format!("log filter {spec:?} ignored: {e}; using info"));
        EnvFilter::new("info")
    });
    if let Err(e) = tui_logger::init_logger(tui_logger::LevelFilter::Trace) {
        warnings.push(format!("program log unavailable: {e}"));
        return warnings;
    }
    if let Err(e) = tracing_subscriber::registry()
        .with(filter)
        .with(tui_logger::TuiTracingSubscriberLayer)
        .try_init()
    {
        warnings.push(format!("program log unavailable: {e}"));
    }
    warnings
}
