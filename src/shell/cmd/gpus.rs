//! `aicockpit gpus`: this machine's GPUs as NVML reports them, headless, as text or JSON — the
//! physical devices and their MIG instances with utilisation, memory, temperature, power and
//! ECC. Without NVML (no driver, no `libnvidia-ml`) it says `unavailable: NVML not available:
//! <reason>` and exits with `EXIT_NO_NVML`; it never panics.

use std::io::Write;

use serde_json::json;

use crate::contract::event::{NvmlDevice, NvmlSnapshot};

/// Exit code when NVML cannot be used on this machine.
pub const EXIT_NO_NVML: u8 = 3;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.0}{unit}"))
}

fn row(d: &NvmlDevice) -> String {
    let id = match &d.mig_profile {
        Some(p) => format!("{}/mig {p}", d.index),
        None => d.index.to_string(),
    };
    let mem = match (d.fb_used_mib, d.fb_total_mib) {
        (Some(u), Some(t)) => format!("{u:.0}/{t:.0}MiB"),
        _ => "-".to_string(),
    };
    let power = match (d.power_w, d.power_limit_w) {
        (Some(p), Some(l)) => format!("{p:.0}/{l:.0}W"),
        (Some(p), None) => format!("{p:.0}W"),
        _ => "-".to_string(),
    };
    let ecc = match (d.ecc_sbe_volatile, d.ecc_dbe_volatile) {
        (Some(s), Some(db)) => format!("{s}/{db}"),
        _ => "-".to_string(),
    };
    let mig = match d.mig_mode {
        Some(true) => "on",
        Some(false) => "off",
        None => "-",
    };
    format!(
        "{id:<14} {:<26} {:<40} {:>5} {:>17} {:>5} {:>10} {:>7} {mig}",
        d.name,
        d.uuid,
        opt(d.gpu_util, "%"),
        mem,
        opt(d.temp_c, "C"),
        power,
        ecc
    )
}

/// The snapshot as text.
pub fn text(s: &NvmlSnapshot) -> String {
    let mut out = format!(
        "driver {} · CUDA {} · {} device(s)\n",
        s.driver_version,
        s.cuda_version,
        s.devices.iter().filter(|d| d.parent_uuid.is_none()).count()
    );
    out.push_str(&format!(
        "{:<14} {:<26} {:<40} {:>5} {:>17} {:>5} {:>10} {:>7} MIG\n",
        "GPU", "NAME", "UUID", "UTIL", "MEMORY", "TEMP", "POWER", "ECC S/D"
    ));
    for d in &s.devices {
        out.push_str(&row(d));
        out.push('\n');
    }
    out
}

/// The snapshot (or the reason there is none) as one JSON document.
pub fn json(r: &Result<NvmlSnapshot, String>) -> String {
    let v = match r {
        Ok(s) => {
            let mut v = serde_json::to_value(s).unwrap_or_else(|e| json!({"error": e.to_string()}));
            v["available"] = json!(true);
            v
        }
        Err(why) => json!({"available": false, "reason": format!("NVML not available: {why}")}),
    };
    v.to_string()
}

/// Print one reading of `snapshot` in `format`; returns the exit code (0, or `EXIT_NO_NVML`).
pub fn once(
    snapshot: impl Fn() -> Result<NvmlSnapshot, String>,
    format: Format,
    out: &mut dyn Write,
) -> u8 {
    let r = snapshot();
    let text = match format {
        Format::Json => json(&r) + "\n",
        Format::Text => match &r {
            Ok(s) => text(s),
            Err(why) => format!("unavailable: NVML not available: {why}\n"),
        },
    };
    // a closed pipe is not worth a panic
    let _ = out.write_all(text.as_bytes());
    if r.is_ok() { 0 } else { EXIT_NO_NVML }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h100() -> NvmlSnapshot {
        NvmlSnapshot {
            driver_version: "580.159.04".into(),
            cuda_version: "13.0".into(),
            devices: vec![NvmlDevice {
                index: 0,
                name: "NVIDIA H100 80GB HBM3".into(),
                uuid: "GPU-9bec4383-bb05-efe5-af54-59229ff98fdc".into(),
                gpu_util: Some(0.0),
                fb_used_mib: Some(0.0),
                fb_total_mib: Some(81559.0),
                temp_c: Some(36.0),
                power_w: Some(97.047),
                power_limit_w: Some(700.0),
                mig_mode: Some(false),
                ..NvmlDevice::default()
            }],
            ..NvmlSnapshot::default()
        }
    }

    #[test]
    fn unavailable_is_said_with_the_reason_and_code() {
        let mut out = Vec::new();
        let code = once(
            || Err("libnvidia-ml.so: cannot open".into()),
            Format::Text,
            &mut out,
        );
        assert_eq!(code, EXIT_NO_NVML);
        let s = String::from_utf8_lossy(&out);
        assert!(
            s.starts_with("unavailable: NVML not available: libnvidia-ml.so"),
            "{s}"
        );
        let mut out = Vec::new();
        assert_eq!(
            once(|| Err("x".into()), Format::Json, &mut out),
            EXIT_NO_NVML
        );
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["available"], false);
        assert_eq!(v["reason"], "NVML not available: x");
    }

    #[test]
    fn devices_print_as_text_and_json() {
        let mut out = Vec::new();
        assert_eq!(once(|| Ok(h100()), Format::Text, &mut out), 0);
        let s = String::from_utf8_lossy(&out);
        assert!(
            s.contains("driver 580.159.04 · CUDA 13.0 · 1 device(s)"),
            "{s}"
        );
        assert!(s.contains("0/81559MiB") && s.contains("97/700W"), "{s}");
        let v: serde_json::Value = serde_json::from_str(&json(&Ok(h100()))).expect("json");
        assert_eq!(v["available"], true);
        assert_eq!(v["devices"][0]["fb_total_mib"], 81559.0);
    }
}
