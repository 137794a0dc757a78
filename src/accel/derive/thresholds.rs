//! Device thresholds with "for N minutes" semantics, evaluated at event time over a device's
//! history: GPU temperature, utilisation, framebuffer use, allocated-but-idle devices (waste)
//! and NPU memory. Every limit, its direction, how long it must hold and the severity of its
//! breach come from `[thresholds.*]` in config.toml (`Thresholds::from_config`); the embedded
//! `assets/config.toml` holds the seeds' alert rules (temperature > 80 °C for 2 m, critical ...).

use crate::accel::derive::hist_view::HistView;
use crate::accel::derive::telemetry::{DeviceTelemetry, Field, Vendor};
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::settings::config::{self, Direction};
use crate::world::metrics::MetricStore;

/// One device rule: a reading beyond `value` (`when` above or below it) for `for_s` seconds is a
/// breach of `severity`. `for_s == 0` means "the latest sample".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub when: Direction,
    pub value: f64,
    pub for_s: u64,
    pub severity: Severity,
}

impl Limit {
    /// Whether a reading is beyond the limit.
    pub fn beyond(&self, v: f64) -> bool {
        self.when.beyond(v, self.value)
    }

    fn from_config(t: &config::Threshold) -> Limit {
        Limit {
            when: t.when,
            value: t.value,
            for_s: t.for_ms / 1000,
            severity: t.severity,
        }
    }

    /// A limit no reading passes.
    fn off() -> Limit {
        Limit {
            when: Direction::Above,
            value: f64::INFINITY,
            for_s: 0,
            severity: Severity::Info,
        }
    }
}

/// The device rules' limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub gpu_temp: Limit,
    pub gpu_util: Limit,
    pub fb_used: Limit,
    /// An allocated device beyond this utilisation limit (below it, as shipped) is idle.
    pub idle: Limit,
    pub npu_mem: Limit,
    /// `gpu_temp.value`: the temperature the Nodes table colours readings above.
    pub gpu_temp_c: f64,
}

impl Thresholds {
    /// The limits of a loaded configuration (`[thresholds.*]`).
    pub fn from_config(c: &config::Thresholds) -> Thresholds {
        Thresholds {
            gpu_temp: Limit::from_config(&c.gpu_temp),
            gpu_util: Limit::from_config(&c.gpu_util),
            fb_used: Limit::from_config(&c.gpu_mem),
            idle: Limit::from_config(&c.gpu_idle),
            npu_mem: Limit::from_config(&c.npu_mem),
            gpu_temp_c: c.gpu_temp.value,
        }
    }

    /// The limits of the embedded `assets/config.toml`; every rule off if it could not be read
    /// (a unit test makes sure it can).
    pub fn embedded() -> Thresholds {
        match config::Config::embedded() {
            Ok(c) => Thresholds::from_config(&c.thresholds),
            Err(_) => Thresholds {
                gpu_temp: Limit::off(),
                gpu_util: Limit::off(),
                fb_used: Limit::off(),
                idle: Limit::off(),
                npu_mem: Limit::off(),
                gpu_temp_c: f64::INFINITY,
            },
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
pub enum ThresholdRule {
    GpuHot,
    GpuBusy,
    FbFull,
    IdleAllocated,
    NpuMemFull,
}

impl ThresholdRule {
    pub fn id(self) -> &'static str {
        match self {
            ThresholdRule::GpuHot => "threshold.gpu_temp",
            ThresholdRule::GpuBusy => "threshold.gpu_util",
            ThresholdRule::FbFull => "threshold.fb_used",
            ThresholdRule::IdleAllocated => "threshold.idle_allocated",
            ThresholdRule::NpuMemFull => "threshold.npu_mem",
        }
    }
}

/// A threshold a device is past.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub rule: ThresholdRule,
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
    // `what` names the reading; the limit is shown in `unit` except for temperatures.
    let mut check = |rule, lim: &Limit, h: &HistView, what: &str, unit: &str| {
        let lim_unit = if unit == "%" { unit } else { "" };
        let ms = (lim.for_s as Millis).saturating_mul(1000);
        if let ForCheck::Breached { since_ms, latest } = check_view(h, now, ms, |v| lim.beyond(v)) {
            let held = if lim.for_s == 0 {
                String::new()
            } else {
                format!(" for {}m", lim.for_s / 60)
            };
            let (op, value) = (lim.when.symbol(), lim.value);
            out.push(Breach {
                rule,
                severity: lim.severity,
                since_ms,
                latest,
                text: format!(
                    "{}: {what} {op} {value}{lim_unit} {latest:.0}{unit}{held}",
                    d.label()
                ),
            });
        }
    };
    let util = util_view(d, store);
    if d.vendor == Vendor::Nvidia {
        let temp = HistView::of(d, store, Field::GpuTemp, 1.0);
        check(
            ThresholdRule::GpuHot,
            &th.gpu_temp,
            &temp,
            "temperature",
            "°C",
        );
        check(
            ThresholdRule::GpuBusy,
            &th.gpu_util,
            &util,
            "utilisation",
            "%",
        );
        let fb = ratio_history(d, store, Field::FbUsed, Field::FbFree, true);
        check(ThresholdRule::FbFull, &th.fb_used, &fb, "framebuffer", "%");
    } else {
        let mut mem = ratio_history(d, store, Field::NpuHbmUsed, Field::NpuHbmTotal, false);
        if mem.is_empty() {
            mem = ratio_history(d, store, Field::NpuUsedMem, Field::NpuTotalMem, false);
        }
        check(ThresholdRule::NpuMemFull, &th.npu_mem, &mem, "memory", "%");
    }
    if allocated {
        check(
            ThresholdRule::IdleAllocated,
            &th.idle,
            &util,
            "allocated but idle, utilisation",
            "%",
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
    fn limits_come_from_the_config() {
        let c = config::Config::from_user_toml(
            "[thresholds.gpu_temp]\nwhen = \"below\"\nvalue = 5\nfor = \"90s\"\nseverity = \"info\"\n",
            "t.toml",
        )
        .expect("valid");
        let t = Thresholds::from_config(&c.thresholds);
        let want = Limit {
            when: Direction::Below,
            value: 5.0,
            for_s: 90,
            severity: Severity::Info,
        };
        assert_eq!((t.gpu_temp, t.gpu_temp_c), (want, 5.0));
        assert!(t.gpu_temp.beyond(4.0) && !t.gpu_temp.beyond(6.0));
        assert_eq!(Thresholds::embedded().npu_mem.severity, Severity::Critical);
    }
}
