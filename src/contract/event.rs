//! Everything the reducer consumes: `SourceEvent` (what sources produce, raw and serialisable —
//! the scenario format carries exactly these), `TimedEvent` (a source event stamped with event
//! time), and `Msg` (source events plus input, ticks and runner answers). Sources and state meet
//! only here; neither imports the other.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use serde::{Deserialize, Serialize};

use crate::contract::action::Action;
use crate::domain::Millis;

/// The replay speeds, slowest first.
pub const SPEEDS: [u32; 4] = [1, 4, 16, 60];

/// One raw observation from a source. Tagged by `kind` in JSON; this is the `ev` object of a
/// scenario line (see `docs/scenario-format.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceEvent {
    /// A Kubernetes object as the API returns it (must carry apiVersion, kind, metadata.name).
    Upsert { object: serde_json::Value },
    /// A Kubernetes object went away.
    Delete {
        api_version: String,
        object_kind: String,
        #[serde(default)]
        namespace: Option<String>,
        name: String,
    },
    /// One line a container wrote.
    Log {
        namespace: String,
        pod: String,
        #[serde(default)]
        container: String,
        line: String,
    },
    /// One metric sample, as scraped (Prometheus naming; labels verbatim).
    Metric {
        name: String,
        #[serde(default)]
        labels: BTreeMap<String, String>,
        value: f64,
    },
    /// A snapshot of the local GPUs read through NVML.
    Nvml { snapshot: NvmlSnapshot },
    /// A source became healthy, degraded or unavailable.
    SourceHealth {
        source: String,
        state: HealthState,
        #[serde(default)]
        message: String,
    },
}

/// Health of one data source (kube resource watch, Prometheus, NVML, log stream ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    Ok,
    /// Answering, but its initial list (or a re-list) is not complete yet: what the world holds
    /// of it is partial. The message says how far it got.
    Syncing,
    Degraded,
    Unavailable,
    Forbidden,
}

/// What NVML said about this machine's GPUs at one instant.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NvmlSnapshot {
    /// The machine the GPUs are in (empty in recordings made before hosts were named: such a
    /// snapshot is kept but not turned into device series or a local node).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(default)]
    pub driver_version: String,
    #[serde(default)]
    pub cuda_version: String,
    #[serde(default)]
    pub devices: Vec<NvmlDevice>,
}

/// One physical GPU (or MIG instance when `parent_uuid` is set) as NVML reports it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NvmlDevice {
    pub index: u32,
    pub name: String,
    pub uuid: String,
    #[serde(default)]
    pub pci_bus_id: String,
    #[serde(default)]
    pub parent_uuid: Option<String>,
    #[serde(default)]
    pub mig_profile: Option<String>,
    #[serde(default)]
    pub gpu_util: Option<f64>,
    #[serde(default)]
    pub mem_util: Option<f64>,
    #[serde(default)]
    pub fb_used_mib: Option<f64>,
    #[serde(default)]
    pub fb_total_mib: Option<f64>,
    #[serde(default)]
    pub temp_c: Option<f64>,
    #[serde(default)]
    pub power_w: Option<f64>,
    #[serde(default)]
    pub power_limit_w: Option<f64>,
    #[serde(default)]
    pub sm_clock_mhz: Option<f64>,
    #[serde(default)]
    pub throttle_reasons: Option<u64>,
    #[serde(default)]
    pub ecc_sbe_volatile: Option<u64>,
    #[serde(default)]
    pub ecc_dbe_volatile: Option<u64>,
    #[serde(default)]
    pub mig_mode: Option<bool>,
    /// A MIG instance's position in its parent's MIG device list (NVML's MIG device index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig_index: Option<u32>,
}

/// A source event stamped with its event time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedEvent {
    pub at_ms: Millis,
    pub ev: SourceEvent,
}

/// Where the replay clock stands; sent by the replay source after every move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayStatus {
    /// Scenario time since its start.
    pub pos_ms: Millis,
    pub duration_ms: Millis,
    pub speed: u32,
    pub paused: bool,
    /// Index of the next event to be applied, and how many there are.
    pub cursor: usize,
    pub total: usize,
    /// How many events fall due at `pos_ms` (applied or not): the replay has caught up with its
    /// clock when `cursor == due`, and is still loading while `cursor < due`.
    pub due: usize,
}

/// Facts about a loaded scenario the header and timeline need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplayInfo {
    pub name: String,
    pub title: String,
    pub start_ms: Millis,
    pub duration_ms: Millis,
    /// Event counts per equal slice of the timeline (for the timeline strip).
    pub density: Vec<u32>,
}

/// A message for the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A batch of source events, applied in order.
    Source(Vec<TimedEvent>),
    /// A key press, resolved through the keymap by the reducer.
    Key(KeyEvent),
    /// A named intent (from the keymap, or sent directly by tests).
    Action(Action),
    /// The clock moved (wall clock live, virtual clock in replay).
    Tick {
        now_ms: Millis,
    },
    Resize {
        width: u16,
        height: u16,
    },
    ReplayLoaded(ReplayInfo),
    Replay(ReplayStatus),
    /// The replay jumped backwards: drop the derived world, keep UI settings.
    ResetWorld,
    /// Something the user should see (an effect failed, the clipboard was written ...).
    Notice {
        level: NoticeLevel,
        text: String,
    },
    /// The shell carried out `Effect::WriteFile`: the bytes written, or why it could not.
    Written {
        path: String,
        result: Result<usize, WriteError>,
    },
}

/// Why the shell could not write a file, in the operating system's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
#[error("{0}")]
pub struct WriteError(pub String);

impl From<&str> for WriteError {
    fn from(s: &str) -> Self {
        WriteError(s.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoticeLevel {
    Info,
    Warn,
    Error,
}
