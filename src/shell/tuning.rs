//! What config.toml tunes in a session: the one place a loaded `Config` becomes the values the
//! run loop, the world and the panes run with. Every key of the embedded `assets/config.toml`
//! changes something here (`tests/config_keys.rs` fails for a key that does not).

use std::time::Duration;

use crate::accel::derive::thresholds::Thresholds;
use crate::settings::config::Config;
use crate::world::Limits;

/// The tuned values of one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// `ui.theme`: the theme asked for (`--theme` wins over it).
    pub theme: String,
    /// `ui.tick_ms`: how often a live session's clock ticks.
    pub tick: Duration,
    /// `replay.speed`: the replay speed at start (`--speed` wins over it).
    pub speed: u32,
    /// `metrics.points` and `logs.max_bytes`: what the world keeps.
    pub limits: Limits,
    /// `[thresholds.*]`: the device thresholds of the Nodes pane.
    pub thresholds: Thresholds,
    /// `training.stuck_after`: how long a job's pod may wait or crash-loop before the job is
    /// Stuck or Failing (milliseconds).
    pub stuck_after_ms: u64,
}

impl Tuning {
    pub fn from_config(c: &Config) -> Tuning {
        Tuning {
            theme: c.ui.theme.clone(),
            tick: Duration::from_millis(c.ui.tick_ms),
            speed: c.replay.speed,
            limits: crate::state::world_limits(c),
            thresholds: crate::accel::view::thresholds_from(&c.thresholds),
            stuck_after_ms: c.training.stuck_after_ms,
        }
    }
}
