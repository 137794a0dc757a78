//! Device thresholds with "for N minutes" semantics, evaluated at event time over a device's
//! history: GPU temperature > 80 °C for 2 m (critical), utilisation > 95 % for 5 m (warning),
//! framebuffer > 90 % (warning), allocated but idle < 20 % for 15 m (waste), NPU memory > 85 %
//! for 5 m (critical). Defaults come from the seeds' alert rules; the config may override them.

use serde::{Deserialize, Serialize};

use crate::accel::derive::hist_view::HistView;
use crate::accel::derive::telemetry::{DeviceTelemetry, Field, Vendor};
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::world::metrics::MetricStore;

/// Limits and how long they must hold. Durations in seconds; 0 means "the latest sample".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    pub gpu_temp_c: f64,
    pub gpu_temp_for_s: u64,
    pub gpu_util_pct: f64,
    pub gpu_util_for_s: u64,
    pub fb_used_pct: f64,
    pub fb_used_for_s: u64,
    /// Below this utilisation an allocated device counts as idle.
    pub idle_util_pct: f64,
    pub idle_for_s: u64,
    pub npu_mem_pct: f64,
    pub npu_mem_for_s: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            gpu_temp_c: 80.0,
            gpu_temp_for_s: 120,
            gpu_util_pct: 95.0,
            gpu_util_for_s: 300,
            fb_used_pct: 90.0,
            // The seeds' alert rules hold it 3 m (D0) or 5 m (D1); the cockpit shows it at once.
            fb_used_for_s: 0,
            idle_util_pct: 20.0,
            idle_for_s: 900,
            npu_mem_pct: 85.0,
            npu_mem_for_s: 300,
        }
    }
}

/// Outcome of a "beyond the limit for N" check.
#[derive(Debug, Clone, PartialEq)]
pub enum ForCheck {
    /// Every sample of the window (and the one before it) is beyond the limit.
    Breached {
        since_ms: Millis,
        latest: f64,
    },
    /// The latest sample is beyond, but not for long enough yet.
    Pending {
        since_ms: Millis,
        latest: f64,
    },
    Clear {
        latest: f64,
    },
    /// Not enough history to say.
    NoData(String),
}

/// Whether every sample in `(now - for_ms, now]` satisfies `beyond`, and the history reaches back
/// to `now - for_ms` (the last sample at or before the window start must also be beyond, so the
/// run is known to have lasted the whole window). Points after `now` are ignored; points must be
/// oldest first. With `for_ms == 0` only the latest sample counts.
pub fn check_for(
    points: &[(Millis, f64)],
    now: Millis,
    for_ms: Millis,
    beyond: impl Fn(f64) -> bool,
) -> ForCheck {
    check_view(&HistView::Owned(points.to_vec()), now, for_ms, beyond)
}

/// `check_for` over a history read in place.
pub fn check_view(
    h: &HistView,
    now: Millis,
    for_ms: Millis,
    beyond: impl Fn(f64) -> bool,
) -> ForCheck {
    let upto = h.partition_after(now);
    let Some((t_last, latest)) = upto.checked_sub(1).and_then(|i| h.get(i)) else {
        return ForCheck::NoData("no samples".to_string());
    };
    if !beyond(latest) {
        return ForCheck::Clear { latest };
    }
    // walk back over the run of beyond samples that ends with the latest
    let mut run_start = upto - 1;
    while run_start > 0 && h.get(run_start - 1).is_some_and(|p| beyond(p.1)) {
        run_start -= 1;
    }
    let since_ms = h.get(run_start).map_or(t_last, |p| p.0);
    let first_ms = h.get(0).map_or(t_last, |p| p.0);
    if for_ms <= 0 {
        return ForCheck::Breached { since_ms, latest };
    }
    let window_start = now - for_ms;
    if t_last <= window_start {
        return ForCheck::NoData(format!(
            "no samples in the last {}s (latest is {}s old)",
            for_ms / 1000,
            (now - t_last) / 1000
        ));
    }
    if first_ms > window_start {
        return ForCheck::NoData(format!(
            "history covers {}s of the {}s needed",
            (now - first_ms) / 1000,
            for_ms / 1000
        ));
    }
    if since_ms <= window_start {
        ForCheck::Breached { since_ms, latest }
    } else {
        ForCheck::Pending { since_ms, latest }
    }
}

/// Which rule a breach is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    GpuHot,
    GpuBusy,
    FbFull,
    IdleAllocated,
    NpuMemFull,
}

impl Rule {
    pub fn id(self) -> &'static str {
        match self {
            Rule::GpuHot => "threshold.gpu_temp",
            Rule::GpuBusy => "threshold.gpu_util",
            Rule::FbFull => "threshold.fb_used",
            Rule::IdleAllocated => "threshold.idle_allocated",
            Rule::NpuMemFull => "threshold.npu_mem",
        }
    }
}

/// A threshold a device is past.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub rule: Rule,
    pub severity: Severity,
    pub since_ms: Millis,
    pub latest: f64,
    pub text: String,
}

fn ratio_history<'a>(
    d: &DeviceTelemetry,
    store: &'a MetricStore,
    used: Field,
    other: Field,
    other_is_free: bool,
) -> HistView<'a> {
    let (Some(u), Some(o)) = (d.value(used), d.value(other)) else {
        return HistView::Owned(Vec::new());
    };
    let total = if other_is_free { u + o } else { o };
    if total <= 0.0 {
        return HistView::Owned(Vec::new());
    }
    HistView::of(d, store, used, 100.0 / total)
}

/// Utilisation in percent, from the field `util_pct` reads.
fn util_view<'a>(d: &DeviceTelemetry, store: &'a MetricStore) -> HistView<'a> {
    match d.util_field() {
        Some((field, scale)) => HistView::of(d, store, field, scale),
        None => HistView::Owned(Vec::new()),
    }
}

/// Evaluate every rule for one device at event time `now`. `allocated`: whether a pod holds the
/// device (only allocated devices can be idle waste).
pub fn evaluate(
    d: &DeviceTelemetry,
    store: &MetricStore,
    th: &Thresholds,
    now: Millis,
    allocated: bool,
) -> Vec<Breach> {
    let mut out = Vec::new();
    let mut push = |rule, severity, check: ForCheck, what: &str, unit: &str, secs: u64| {
        if let ForCheck::Breached { since_ms, latest } = check {
            let held = if secs == 0 {
                String::new()
            } else {
                format!(" for {}m", secs / 60)
            };
            out.push(Breach {
                rule,
                severity,
                since_ms,
                latest,
                text: format!("{}: {what} {latest:.0}{unit}{held}", d.label()),
            });
        }
    };
    let ms = |s: u64| (s as Millis).saturating_mul(1000);
    let util = util_view(d, store);
    if d.vendor == Vendor::Nvidia {
        let temp = HistView::of(d, store, Field::GpuTemp, 1.0);
        let c = check_view(&temp, now, ms(th.gpu_temp_for_s), |v| v > th.gpu_temp_c);
        push(
            Rule::GpuHot,
            Severity::Critical,
            c,
            &format!("temperature > {}", th.gpu_temp_c),
            "°C",
            th.gpu_temp_for_s,
        );
        let c = check_view(&util, now, ms(th.gpu_util_for_s), |v| v > th.gpu_util_pct);
        push(
            Rule::GpuBusy,
            Severity::Warning,
            c,
            &format!("utilisation > {}%", th.gpu_util_pct),
            "%",
            th.gpu_util_for_s,
        );
        let fb = ratio_history(d, store, Field::FbUsed, Field::FbFree, true);
        let c = check_view(&fb, now, ms(th.fb_used_for_s), |v| v > th.fb_used_pct);
        push(
            Rule::FbFull,
            Severity::Warning,
            c,
            &format!("framebuffer > {}%", th.fb_used_pct),
            "%",
            th.fb_used_for_s,
        );
    } else {
        let mut mem = ratio_history(d, store, Field::NpuHbmUsed, Field::NpuHbmTotal, false);
        if mem.is_empty() {
            mem = ratio_history(d, store, Field::NpuUsedMem, Field::NpuTotalMem, false);
        }
        let c = check_view(&mem, now, ms(th.npu_mem_for_s), |v| v > th.npu_mem_pct);
        push(
            Rule::NpuMemFull,
            Severity::Critical,
            c,
            &format!("memory > {}%", th.npu_mem_pct),
            "%",
            th.npu_mem_for_s,
        );
    }
    if allocated {
        let c = check_view(&util, now, ms(th.idle_for_s), |v| v < th.idle_util_pct);
        push(
            Rule::IdleAllocated,
            Severity::Warning,
            c,
            &format!("allocated but idle, utilisation < {}%", th.idle_util_pct),
            "%",
            th.idle_for_s,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;

    fn series(vals: &[(i64, f64)]) -> Vec<(Millis, f64)> {
        vals.iter().map(|(m, v)| (m * MIN / 2, *v)).collect()
    }

    #[test]
    fn for_duration_needs_whole_window() {
        // samples every 30 s; hot from t=1m onward
        let pts = series(&[
            (0, 70.0),
            (1, 70.0),
            (2, 85.0),
            (3, 86.0),
            (4, 87.0),
            (5, 88.0),
            (6, 90.0),
        ]);
        let now = 3 * MIN;
        let hot = |v: f64| v > 80.0;
        assert!(
            matches!(check_for(&pts, now, 2 * MIN, hot), ForCheck::Breached { since_ms, .. } if since_ms == MIN)
        );
        // at 2m the run (since 1m) is only 1m long
        assert!(matches!(
            check_for(&pts, 2 * MIN, 2 * MIN, hot),
            ForCheck::Pending { .. }
        ));
        // history shorter than the window
        assert!(matches!(
            check_for(&pts[2..], now, 5 * MIN, hot),
            ForCheck::NoData(_)
        ));
        // stale: nothing in the window
        assert!(matches!(
            check_for(&pts, 20 * MIN, 2 * MIN, hot),
            ForCheck::NoData(_)
        ));
        assert!(matches!(
            check_for(&pts, now, 2 * MIN, |v| v > 95.0),
            ForCheck::Clear { .. }
        ));
        assert!(matches!(check_for(&[], now, 0, hot), ForCheck::NoData(_)));
    }

    #[test]
    fn zero_duration_is_latest_sample() {
        let pts = series(&[(0, 10.0), (1, 95.0)]);
        assert!(matches!(
            check_for(&pts, MIN, 0, |v| v > 90.0),
            ForCheck::Breached { .. }
        ));
        assert!(matches!(
            check_for(&pts, 0, 0, |v| v > 90.0),
            ForCheck::Clear { .. }
        ));
    }

    #[test]
    fn thresholds_override_from_toml() {
        let t: Thresholds =
            toml::from_str("gpu_temp_c = 75.0\nidle_for_s = 600").unwrap_or_default();
        assert_eq!(t.gpu_temp_c, 75.0);
        assert_eq!(t.idle_for_s, 600);
        assert_eq!(t.gpu_util_pct, 95.0);
    }
}
