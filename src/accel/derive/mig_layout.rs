//! MIG layout of a node's physical GPUs: the GPU instances (slices) each GPU is cut into, their
//! profiles, sizes and the pod holding each. Observed from dcgm-exporter's per-instance series
//! (`GPU_I_ID`, `GPU_I_PROFILE`, `pod`) when it exports them; otherwise inferred from what the
//! device plugin advertises (`nvidia.com/mig-<profile>` capacity, else GFD's
//! `nvidia.com/mig-<profile>.count`) spread over `nvidia.com/gpu.count` GPUs, with the pods that
//! request each profile placed in name order — the kubelet's real assignment is not visible
//! through the API, so an inferred layout says so.

use std::collections::BTreeMap;

use crate::accel::derive::inventory::{NodeAccel, ResourceClass};
use crate::accel::derive::telemetry::Vendor;
use crate::domain::PodInfo;

/// Compute slices of a full GPU on the MIG-capable parts (A100, H100, H200, B200: 7 GPCs).
pub const FULL_GPU_SLICES: u32 = 7;

/// `(compute slices, memory GB)` of a profile name: `1g.10gb` -> (1, 10), `1g.5gb+me` -> (1, 5).
pub fn parse_profile(p: &str) -> Option<(u32, f64)> {
    let (g, rest) = p.split_once("g.")?;
    let g: u32 = g.trim().parse().ok()?;
    let mem = rest.split("gb").next()?.trim().parse::<f64>().ok()?;
    (g > 0).then_some((g, mem))
}

/// One GPU instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub profile: String,
    /// Compute slices (the `g` of the profile), at least 1.
    pub g: u32,
    /// `GPU_I_ID` when observed.
    pub instance: Option<String>,
    /// `namespace/pod` holding it, if any.
    pub pod: Option<String>,
    /// Utilisation in percent (observed slices only: GR_ENGINE_ACTIVE).
    pub util_pct: Option<f64>,
}

/// One physical GPU's slices, in instance order (observed) or largest first (inferred).
#[derive(Debug, Clone, PartialEq)]
pub struct GpuLayout {
    pub gpu: String,
    pub slices: Vec<Slice>,
}

impl GpuLayout {
    /// Compute slices in use by instances.
    pub fn used_g(&self) -> u32 {
        self.slices.iter().map(|s| s.g).sum()
    }

    /// The width the layout is drawn against: a full GPU, or more if the slices say so.
    pub fn total_g(&self) -> u32 {
        self.used_g().max(FULL_GPU_SLICES)
    }
}

/// A node's MIG layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MigLayout {
    pub gpus: Vec<GpuLayout>,
    /// True when built from counts rather than per-instance telemetry.
    pub inferred: bool,
    /// Why the layout is inferred or empty.
    pub note: Option<String>,
}

fn observed(n: &NodeAccel) -> Vec<GpuLayout> {
    let mut by_gpu: BTreeMap<u32, GpuLayout> = BTreeMap::new();
    for d in n.telemetry.devices() {
        let (Vendor::Nvidia, Some(inst)) = (d.vendor, &d.key.mig_instance) else {
            continue;
        };
        let profile = d.mig_profile.clone().unwrap_or_else(|| "?".to_string());
        let g = parse_profile(&profile).map_or(1, |(g, _)| g);
        let key = d.key.index.parse::<u32>().unwrap_or(u32::MAX);
        let e = by_gpu.entry(key).or_insert_with(|| GpuLayout {
            gpu: d.key.index.clone(),
            slices: Vec::new(),
        });
        e.slices.push(Slice {
            profile,
            g,
            instance: Some(inst.clone()),
            pod: d.pod.as_ref().map(|(ns, p, _)| format!("{ns}/{p}")),
            util_pct: d.util_pct().map(|(v, _)| v),
        });
    }
    let mut out: Vec<GpuLayout> = by_gpu.into_values().collect();
    for g in &mut out {
        g.slices.sort_by_key(|s| {
            s.instance
                .as_deref()
                .and_then(|i| i.parse::<u32>().ok())
                .unwrap_or(u32::MAX)
        });
    }
    out
}

/// Profile -> slice count the node offers: the plugin's capacity, else the GFD labels.
fn profile_counts(n: &NodeAccel) -> BTreeMap<String, u32> {
    let from_resources: BTreeMap<String, u32> = n
        .resources
        .iter()
        .filter(|l| l.class == ResourceClass::Mig && l.capacity > 0.0)
        .filter_map(|l| Some((l.mig_profile.clone()?, l.capacity.round() as u32)))
        .collect();
    if from_resources.is_empty() {
        n.gfd.mig_profiles.clone()
    } else {
        from_resources
    }
}

fn inferred(n: &NodeAccel, pods: &[&PodInfo]) -> Vec<GpuLayout> {
    let counts = profile_counts(n);
    let gpus = n.gfd.count.unwrap_or(1).max(1);
    let mut out: Vec<GpuLayout> = (0..gpus)
        .map(|i| GpuLayout {
            gpu: i.to_string(),
            slices: Vec::new(),
        })
        .collect();
    // largest profiles first, so each GPU reads big-to-small like nvidia-smi mig -lgi
    let mut profiles: Vec<(&String, &u32)> = counts.iter().collect();
    profiles.sort_by_key(|(p, _)| std::cmp::Reverse(parse_profile(p).map_or(0, |x| x.0)));
    for (profile, count) in profiles {
        let g = parse_profile(profile).map_or(1, |x| x.0);
        for k in 0..*count {
            let gpu = (k % gpus) as usize;
            out[gpu].slices.push(Slice {
                profile: profile.clone(),
                g,
                instance: None,
                pod: None,
                util_pct: None,
            });
        }
    }
    // place pods: each request for `mig-<profile>` takes the next free slice of that profile
    let mut holders: Vec<(&PodInfo, String, u32)> = Vec::new();
    for p in pods {
        for (res, q) in &p.accel_requests {
            if let Some(profile) = res.strip_prefix("nvidia.com/mig-")
                && *q > 0.0
            {
                holders.push((p, profile.to_string(), q.round() as u32));
            }
        }
    }
    holders.sort_by(|a, b| (&a.0.namespace, &a.0.name).cmp(&(&b.0.namespace, &b.0.name)));
    for (pod, profile, q) in holders {
        for _ in 0..q {
            let free = out
                .iter_mut()
                .flat_map(|g| g.slices.iter_mut())
                .find(|s| s.profile == profile && s.pod.is_none());
            if let Some(s) = free {
                s.pod = Some(format!("{}/{}", pod.namespace, pod.name));
            }
        }
    }
    out.retain(|g| !g.slices.is_empty());
    out
}

/// The MIG layout of a node. `pods` are the non-terminated pods bound to it.
pub fn layout(n: &NodeAccel, pods: &[&PodInfo]) -> MigLayout {
    let seen = observed(n);
    if !seen.is_empty() {
        return MigLayout {
            gpus: seen,
            inferred: false,
            note: None,
        };
    }
    let gpus = inferred(n, pods);
    let note = if gpus.is_empty() {
        "no MIG instances: the node advertises no nvidia.com/mig-* resources and has no \
         nvidia.com/mig-<profile>.count labels"
    } else {
        "inferred from advertised MIG resources: dcgm-exporter has no per-instance \
         (GPU_I_ID) series; pods placed in name order"
    };
    MigLayout {
        inferred: true,
        note: Some(note.to_string()),
        gpus,
    }
}

/// Re-read the slices' utilisation of a layout `layout` made for this node when its devices
/// kept their identity and holders since (only the readings moved): the same result as a new
/// `layout`, without regrouping.
pub fn refresh_util(l: &mut MigLayout, n: &NodeAccel) {
    if l.inferred {
        return;
    }
    for d in n.telemetry.devices() {
        let (Vendor::Nvidia, Some(inst)) = (d.vendor, &d.key.mig_instance) else {
            continue;
        };
        let slice = l
            .gpus
            .iter_mut()
            .filter(|g| g.gpu == d.key.index)
            .flat_map(|g| g.slices.iter_mut())
            .find(|s| s.instance.as_ref() == Some(inst));
        if let Some(s) = slice {
            s.util_pct = d.util_pct().map(|(v, _)| v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse() {
        assert_eq!(parse_profile("1g.10gb"), Some((1, 10.0)));
        assert_eq!(parse_profile("3g.47gb"), Some((3, 47.0)));
        assert_eq!(parse_profile("1g.5gb+me"), Some((1, 5.0)));
        assert_eq!(parse_profile("7g.80gb"), Some((7, 80.0)));
        assert_eq!(parse_profile("gpu"), None);
        assert_eq!(parse_profile("0g.1gb"), None);
    }
}
