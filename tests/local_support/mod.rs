//! The local-GPU fixtures: `fixtures/h100-local.jsonl`, twelve real NVML readings of one
//! NVIDIA H100 80GB HBM3 on host `vm` (from the capture's 0.5 s telemetry series, identity from
//! nvml-wrapper), and a MIG variant of it. The capture had MIG disabled, so the variant's two
//! instances are built here: profiles 3g.40gb and 4g.40gb (39.50 GiB each, as
//! `nvidia-smi mig -lgip` lists them on that GPU), children of the real GPU.
#![allow(dead_code)]

use aicockpit::contract::event::{NvmlDevice, SourceEvent, TimedEvent};
use aicockpit::contract::scenario::{self, Scenario};

pub const HOST: &str = "vm";
pub const MODEL: &str = "NVIDIA H100 80GB HBM3";
pub const UUID: &str = "GPU-9bec4383-bb05-efe5-af54-59229ff98fdc";
/// 39.50 GiB.
pub const MIG_MIB: f64 = 40448.0;

pub fn h100_text() -> &'static str {
    include_str!("../fixtures/h100-local.jsonl")
}

pub fn h100() -> Scenario {
    scenario::parse(h100_text(), "h100-local.jsonl").expect("fixture parses")
}

/// The fixture's events, stamped with event time.
pub fn events(s: &Scenario) -> Vec<TimedEvent> {
    s.events
        .iter()
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect()
}

/// The last reading of GPU 0 in the fixture.
pub fn last_reading(s: &Scenario) -> NvmlDevice {
    match &s.events.last().expect("events").ev {
        SourceEvent::Nvml { snapshot } => snapshot.devices[0].clone(),
        other => panic!("not a snapshot: {other:?}"),
    }
}

fn instance(parent: &NvmlDevice, k: u32, profile: &str, used: f64) -> NvmlDevice {
    NvmlDevice {
        index: parent.index,
        name: format!("{MODEL} MIG {profile}"),
        uuid: format!("MIG-00000000-0000-0000-0000-00000000000{k}"),
        pci_bus_id: parent.pci_bus_id.clone(),
        parent_uuid: Some(parent.uuid.clone()),
        mig_profile: Some(profile.to_string()),
        fb_used_mib: Some(used),
        fb_total_mib: Some(MIG_MIB),
        mig_index: Some(k),
        ..NvmlDevice::default()
    }
}

/// The fixture with GPU 0 in MIG mode, cut into a 3g.40gb and a 4g.40gb instance; NVML reports
/// no utilisation for the parent or the instances.
pub fn mig_variant() -> Scenario {
    let mut s = h100();
    for l in &mut s.events {
        let SourceEvent::Nvml { snapshot } = &mut l.ev else {
            continue;
        };
        let parent = &mut snapshot.devices[0];
        parent.mig_mode = Some(true);
        parent.gpu_util = None;
        parent.mem_util = None;
        let parent = parent.clone();
        let used = parent.fb_used_mib.unwrap_or(0.0);
        snapshot.devices.push(instance(&parent, 0, "3g.40gb", used));
        snapshot.devices.push(instance(&parent, 1, "4g.40gb", 13.0));
    }
    s
}
