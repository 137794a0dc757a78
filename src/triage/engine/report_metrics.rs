//! The metric part of an evidence file: every series whose labels name a core pod (serving
//! histograms and counters of the endpoints involved, per-pod accelerator series) or an
//! involved node (`Hostname`, `node`, `instance` ...: the nodes' accelerator telemetry),
//! sampled over what the conclusions were measured on: from the earliest metric evidence back
//! by twice the longest window a rule or probe reads (an alert steps back from where it began
//! breaching to where it did not, and that step measures a whole window), up to the triage
//! time. At most `MAX_SAMPLES` samples, the newest kept.

use super::findings::Finding;
use super::report_closure::Closure;
use crate::accel::derive::telemetry_join::host_of;
use crate::contract::event::SourceEvent;
use crate::domain::Millis;
use crate::settings::playbooks::spec::ProbeSpec;
use crate::settings::rules::Rules;
use crate::world::World;
use crate::world::nvml_samples::{SOURCE_LABEL, SOURCE_VALUE};

/// Most metric samples an evidence file keeps (the newest).
pub const MAX_SAMPLES: usize = 200_000;
/// The shortest look-back, whatever the rules say.
const MIN_WINDOW_MS: Millis = 5 * 60_000;

/// The longest window an alert rule or a metric probe of `rules` measures over.
pub fn longest_window_ms(rules: &Rules) -> Millis {
    let alerts = rules.alerts.iter().map(|r| r.window_ms);
    let probes = rules
        .playbooks
        .list
        .iter()
        .flat_map(|pb| &pb.steps)
        .filter_map(|s| match &s.probe {
            ProbeSpec::Metric { window_s, .. } => Some(*window_s as Millis * 1000),
            _ => None,
        });
    alerts.chain(probes).fold(MIN_WINDOW_MS, Millis::max)
}

/// Where the samples kept start (exclusive): the earliest time a finding's metric evidence
/// names (when an alert began breaching), else the triage time, less twice the longest window.
pub fn samples_from(rules: &Rules, findings: &[Finding], now_ms: Millis) -> Millis {
    let earliest = findings
        .iter()
        .flat_map(|f| &f.evidence)
        .filter(|e| e.kind == "number")
        .filter_map(|e| e.at_ms)
        .fold(now_ms, Millis::min);
    earliest - 2 * longest_window_ms(rules)
}

/// The samples kept, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    /// (event time, sample).
    pub events: Vec<(Millis, SourceEvent)>,
    /// Series they come from.
    pub series: usize,
    /// Samples left out by `MAX_SAMPLES`.
    pub cut: usize,
}

/// Samples in `(from, now]` of the series that name a core pod or an involved node. `nvml`,
/// the host and time of an NVML snapshot the file restates, leaves out the samples that
/// snapshot makes again.
pub fn samples(
    world: &World,
    c: &Closure,
    from: Millis,
    now_ms: Millis,
    nvml: Option<(&str, Millis)>,
) -> Samples {
    let store = &world.metrics;
    let mut out = Samples::default();
    for id in 0..store.len() {
        let Some(key) = store.key(id) else { continue };
        let l = key.labels.as_ref();
        let pod = match (l.get("namespace"), l.get("pod")) {
            (Some(ns), Some(p)) => c.core.contains(&(ns.clone(), p.clone())),
            _ => false,
        };
        let host = host_of(l);
        if !pod && !host.is_some_and(|h| c.involved.contains(h)) {
            continue;
        }
        let remade = nvml.filter(|(h, _)| {
            l.get(SOURCE_LABEL).map(String::as_str) == Some(SOURCE_VALUE) && host == Some(*h)
        });
        let before = out.events.len();
        for (t, v) in store.points_in(id, from, now_ms) {
            if remade.is_some_and(|(_, at)| at == t) {
                continue;
            }
            out.events.push((
                t,
                SourceEvent::Metric {
                    name: key.name.clone(),
                    labels: l.clone(),
                    value: v,
                },
            ));
        }
        if out.events.len() > before {
            out.series += 1;
        }
    }
    out.events.sort_by_key(|(t, _)| *t);
    if out.events.len() > MAX_SAMPLES {
        out.cut = out.events.len() - MAX_SAMPLES;
        out.events.drain(..out.cut);
    }
    out
}

/// The time of the NVML snapshot the world holds, read off the series it made (the world keeps
/// the snapshot, not when it came): `None` for a snapshot without a host name, which makes no
/// series.
pub fn nvml_time(world: &World) -> Option<(String, Millis)> {
    let host = world.nvml.as_ref().map(|s| s.hostname.clone())?;
    if host.is_empty() {
        return None;
    }
    let store = &world.metrics;
    let t = (0..store.len())
        .filter(|id| {
            store.key(*id).is_some_and(|k| {
                k.labels.get(SOURCE_LABEL).map(String::as_str) == Some(SOURCE_VALUE)
                    && host_of(&k.labels) == Some(host.as_str())
            })
        })
        .filter_map(|id| store.last(id).map(|(t, _)| t))
        .max()?;
    Some((host, t))
}
