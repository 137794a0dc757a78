//! NVML, the NVIDIA management library: whether it can be loaded on this machine, and what it
//! says about the driver and devices. Only this module names `nvml_wrapper` types.

use nvml_wrapper::Nvml;

/// Try to initialise NVML. `Ok` carries the driver version and device count; `Err` the reason
/// NVML is unusable here (no library, no driver, no permission ...).
pub fn probe() -> Result<String, String> {
    let nvml = Nvml::init().map_err(|e| e.to_string())?;
    let driver = nvml
        .sys_driver_version()
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let count = nvml
        .device_count()
        .map(|n| n.to_string())
        .unwrap_or_else(|e| format!("unknown ({e})"));
    Ok(format!("driver {driver}, {count} device(s)"))
}
