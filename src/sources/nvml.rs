//! NVML, the NVIDIA management library: whether it can be loaded on this machine, what it says
//! about the driver and devices (physical GPUs and their MIG instances), and (in a live session)
//! periodic `SourceEvent::Nvml` snapshots of the local GPUs. Only this module names
//! `nvml_wrapper` types; everything leaves as `event::NvmlSnapshot`.

use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use nvml_wrapper::enum_wrappers::device::{Clock, EccCounter, MemoryError, TemperatureSensor};
use nvml_wrapper::{Device, Nvml};
use tokio::sync::mpsc;

use crate::contract::event::{HealthState, Msg, NvmlDevice, NvmlSnapshot, SourceEvent, TimedEvent};

/// The health source name.
pub const SOURCE: &str = "nvml";

/// Why NVML gave no snapshot. Cheap to clone (the library's error is shared), so one failed
/// initialisation can be reported again at every reading.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NvmlError {
    /// The library could not be loaded or initialised: no `libnvidia-ml`, no driver, no
    /// permission. NVML cannot be used on this machine.
    #[error("{0}")]
    Init(Arc<nvml_wrapper::error::NvmlError>),
    /// NVML started but would not say how many devices there are.
    #[error("device count: {0}")]
    DeviceCount(Arc<nvml_wrapper::error::NvmlError>),
}

/// The source-health event saying NVML cannot be used here, and why.
pub fn unavailable(at_ms: i64, why: impl Display) -> TimedEvent {
    TimedEvent {
        at_ms,
        ev: SourceEvent::SourceHealth {
            source: SOURCE.into(),
            state: HealthState::Unavailable,
            message: format!("NVML not available: {why}"),
        },
    }
}

/// This machine's host name: the kernel's (`/proc/sys/kernel/hostname`), else `$HOSTNAME`, else
/// `localhost`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// Initialise NVML once, for repeated `snapshot_from` readings; `Err` says why it cannot be used.
pub fn init() -> Result<Nvml, NvmlError> {
    Nvml::init().map_err(|e| NvmlError::Init(Arc::new(e)))
}

/// Try to initialise NVML. `Ok` carries the driver version and device count; `Err` the reason
/// NVML is unusable here (no library, no driver, no permission ...).
pub fn probe() -> Result<String, NvmlError> {
    let nvml = init()?;
    let driver = nvml
        .sys_driver_version()
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let count = nvml
        .device_count()
        .map(|n| n.to_string())
        .unwrap_or_else(|e| format!("unknown ({e})"));
    Ok(format!("driver {driver}, {count} device(s)"))
}

const MIB: f64 = 1024.0 * 1024.0;

/// One device's readings; a field NVML refuses (not supported, no permission) stays `None`.
fn read(d: &Device, index: u32, parent: Option<&str>) -> NvmlDevice {
    let name = d.name().unwrap_or_else(|e| format!("unknown ({e})"));
    let mem = d.memory_info().ok();
    let util = d.utilization_rates().ok();
    let mig_profile = parent.and_then(|_| name.rsplit_once(" MIG ").map(|(_, p)| p.to_string()));
    NvmlDevice {
        index,
        uuid: d.uuid().unwrap_or_default(),
        pci_bus_id: d.pci_info().map(|p| p.bus_id).unwrap_or_default(),
        parent_uuid: parent.map(str::to_string),
        mig_profile,
        gpu_util: util.as_ref().map(|u| f64::from(u.gpu)),
        mem_util: util.as_ref().map(|u| f64::from(u.memory)),
        fb_used_mib: mem.as_ref().map(|m| (m.used as f64 / MIB).round()),
        fb_total_mib: mem.as_ref().map(|m| (m.total as f64 / MIB).round()),
        temp_c: d.temperature(TemperatureSensor::Gpu).ok().map(f64::from),
        power_w: d.power_usage().ok().map(|mw| f64::from(mw) / 1000.0),
        power_limit_w: d
            .enforced_power_limit()
            .ok()
            .map(|mw| f64::from(mw) / 1000.0),
        sm_clock_mhz: d.clock_info(Clock::SM).ok().map(f64::from),
        throttle_reasons: d.current_throttle_reasons().ok().map(|r| r.bits()),
        ecc_sbe_volatile: d
            .total_ecc_errors(MemoryError::Corrected, EccCounter::Volatile)
            .ok(),
        ecc_dbe_volatile: d
            .total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile)
            .ok(),
        mig_mode: d.mig_mode().ok().map(|m| m.current == 1),
        mig_index: None,
        name,
    }
}

/// Every device NVML sees now, MIG instances after their parent. `Err` says why NVML cannot be
/// used on this machine.
pub fn snapshot() -> Result<NvmlSnapshot, NvmlError> {
    snapshot_from(&init()?)
}

/// Every device an initialised NVML sees now, MIG instances after their parent.
pub fn snapshot_from(nvml: &Nvml) -> Result<NvmlSnapshot, NvmlError> {
    let driver_version = nvml.sys_driver_version().unwrap_or_default();
    let cuda_version = nvml
        .sys_cuda_driver_version()
        .map(|v| format!("{}.{}", v / 1000, (v % 1000) / 10))
        .unwrap_or_default();
    let count = nvml
        .device_count()
        .map_err(|e| NvmlError::DeviceCount(Arc::new(e)))?;
    let mut devices = Vec::new();
    for i in 0..count {
        let d = match nvml.device_by_index(i) {
            Ok(d) => d,
            Err(e) => {
                devices.push(NvmlDevice {
                    index: i,
                    name: format!("unavailable: {e}"),
                    ..NvmlDevice::default()
                });
                continue;
            }
        };
        let dev = read(&d, i, None);
        let parent = dev.uuid.clone();
        let mig = dev.mig_mode == Some(true);
        devices.push(dev);
        if mig {
            let slots = d.mig_device_count().unwrap_or(0);
            for k in 0..slots {
                // empty slots answer NotFound: only existing instances are listed
                if let Ok(m) = d.mig_device_by_index(k) {
                    let mut dev = read(&m, i, Some(&parent));
                    dev.mig_index = Some(k);
                    devices.push(dev);
                }
            }
        }
    }
    Ok(NvmlSnapshot {
        hostname: hostname(),
        driver_version,
        cuda_version,
        devices,
    })
}

/// Send a snapshot of the local GPUs every `every` until `tx` closes. On a machine without
/// NVML (no driver, no library) it says so once in the program log and ends: the live view
/// then simply has no local GPUs. A failure after a good start is reported as source health.
pub async fn run(tx: mpsc::UnboundedSender<Msg>, every: Duration) {
    run_reporting(tx, every, false).await;
}

/// `run`, but where NVML is the only source (`--local`) its absence matters: with
/// `report_absence` a failed start is sent as `Unavailable` source health with the message
/// `NVML not available: <reason>` before the task ends.
pub async fn run_reporting(tx: mpsc::UnboundedSender<Msg>, every: Duration, report_absence: bool) {
    let nvml = match tokio::task::spawn_blocking(init).await {
        Ok(Ok(n)) => Arc::new(n),
        Ok(Err(e)) => {
            tracing::info!("no local GPUs through NVML: {e}");
            if report_absence {
                let _ = tx.send(Msg::Source(vec![unavailable(
                    chrono::Utc::now().timestamp_millis(),
                    e,
                )]));
            }
            return;
        }
        Err(_) => return,
    };
    let mut tick = tokio::time::interval(every);
    let mut last_ok = None;
    loop {
        tick.tick().await;
        let n = nvml.clone();
        let Ok(result) = tokio::task::spawn_blocking(move || snapshot_from(&n)).await else {
            return;
        };
        let at_ms = chrono::Utc::now().timestamp_millis();
        let mut batch = Vec::new();
        let ok = result.is_ok();
        match result {
            Ok(snapshot) => batch.push(TimedEvent {
                at_ms,
                ev: SourceEvent::Nvml { snapshot },
            }),
            Err(e) => batch.push(TimedEvent {
                at_ms,
                ev: SourceEvent::SourceHealth {
                    source: SOURCE.into(),
                    state: HealthState::Unavailable,
                    message: e.to_string(),
                },
            }),
        }
        if ok && last_ok != Some(true) {
            batch.push(TimedEvent {
                at_ms,
                ev: SourceEvent::SourceHealth {
                    source: SOURCE.into(),
                    state: HealthState::Ok,
                    message: "reading local GPUs".into(),
                },
            });
        }
        last_ok = Some(ok);
        if tx.send(Msg::Source(batch)).is_err() {
            return;
        }
    }
}
