//! Telemetry for generated scenarios: GPU samples shaped by a real H100 NVML series
//! (`assets/data/h100-phases.jsonl`: idle, a power-capped bf16 matmul load, memory held, cool
//! down), DCGM-exporter metric names and labels, and vLLM serving histograms.

use serde::Deserialize;

/// The real NVML series, sampled every 0.5 s on one H100 80GB HBM3.
pub const H100_PHASES: &str = include_str!("../../../assets/data/h100-phases.jsonl");

/// The DCGM fields the scenarios carry.
pub const DCGM_UTIL: &str = "DCGM_FI_DEV_GPU_UTIL";
pub const DCGM_FB_USED: &str = "DCGM_FI_DEV_FB_USED";
pub const DCGM_TEMP: &str = "DCGM_FI_DEV_GPU_TEMP";
pub const DCGM_POWER: &str = "DCGM_FI_DEV_POWER_USAGE";

/// One NVML reading (units as DCGM reports them: %, MiB, °C, W).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub struct NvmlSample {
    pub gpu_util: f64,
    pub mem_util: f64,
    pub fb_used_mib: f64,
    pub fb_total_mib: f64,
    pub temp_c: f64,
    /// NVML reports milliwatts; converted to watts by `h100_series`.
    #[serde(rename = "power_mw")]
    pub power_w: f64,
    #[serde(rename = "power_limit_mw")]
    pub power_limit_w: f64,
    pub sm_clock_mhz: f64,
    pub throttle_reasons: u64,
}

/// The real series split into its phases.
#[derive(Debug, Clone, Default)]
pub struct H100Series {
    /// Before the load: idle, memory free.
    pub idle: Vec<NvmlSample>,
    /// The matmul load: ~99 % util, power-capped near 700 W.
    pub load: Vec<NvmlSample>,
    /// After the load: memory still held for a while, cooling down.
    pub cool: Vec<NvmlSample>,
}

/// Parse the embedded series (lines that do not parse are skipped; the file is ours).
pub fn h100_series() -> H100Series {
    let all: Vec<NvmlSample> = H100_PHASES
        .lines()
        .filter_map(|l| serde_json::from_str::<NvmlSample>(l).ok())
        .map(|mut s| {
            s.power_w /= 1000.0;
            s.power_limit_w /= 1000.0;
            s
        })
        .collect();
    let first = all.iter().position(|s| s.gpu_util >= 90.0);
    let last = all.iter().rposition(|s| s.gpu_util >= 90.0);
    let (Some(first), Some(last)) = (first, last) else {
        return H100Series {
            idle: all,
            ..H100Series::default()
        };
    };
    // Samples ramping up into the load (util between 0 and 90 %) belong to neither phase.
    let idle_end = all.iter().position(|s| s.gpu_util > 0.0).unwrap_or(first);
    H100Series {
        idle: all[..idle_end.min(first)].to_vec(),
        load: all[first..=last].to_vec(),
        cool: all[last + 1..].to_vec(),
    }
}

impl H100Series {
    fn pick(v: &[NvmlSample], i: usize) -> NvmlSample {
        if v.is_empty() {
            NvmlSample::default()
        } else {
            v[i % v.len()]
        }
    }

    /// A sample under full load; `i` walks the real series so values vary the way they did.
    pub fn busy(&self, i: usize) -> NvmlSample {
        Self::pick(&self.load, i)
    }

    /// An idle sample (no memory held).
    pub fn idle(&self, i: usize) -> NvmlSample {
        Self::pick(&self.idle, i)
    }

    /// The `k`-th sample after the load stopped (cooling, clamped to the last one).
    pub fn cooling(&self, k: usize) -> NvmlSample {
        match self.cool.len() {
            0 => self.idle(k),
            n => self.cool[k.min(n - 1)],
        }
    }

    /// A partly busy sample: util and power scaled between idle and load by `frac`.
    pub fn partial(&self, i: usize, frac: f64) -> NvmlSample {
        let b = self.busy(i);
        let c = self.cooling(i);
        NvmlSample {
            gpu_util: (b.gpu_util * frac).round(),
            mem_util: (b.mem_util * frac).round(),
            power_w: c.power_w + (b.power_w - c.power_w) * frac,
            temp_c: (c.temp_c + (b.temp_c - c.temp_c) * frac).round(),
            sm_clock_mhz: b.sm_clock_mhz,
            ..b
        }
    }
}

/// Round to one decimal (exporters print a few digits; this keeps files small and stable).
pub fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A `le` label as Prometheus' Python client prints it (`0.5`, `1.0`, `+Inf`).
pub fn le_label(v: f64) -> String {
    if v.is_infinite() {
        "+Inf".to_string()
    } else if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// vLLM's time-to-first-token bucket bounds (a subset of the real ones, seconds).
pub const TTFT_BUCKETS: &[f64] = &[
    0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
];
/// vLLM's end-to-end latency bucket bounds (a subset of the real ones, seconds).
pub const E2E_BUCKETS: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0,
];

/// Share of requests at or under `x` for a log-logistic latency distribution with median `m`
/// and shape `k` (heavier tail for smaller `k`).
pub fn latency_cdf(x: f64, m: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    1.0 / (1.0 + (x / m).powf(-k))
}

/// A tiny deterministic generator (64-bit LCG) for jitter; seeded, never from the clock.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 42) as f64
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_series_splits_into_phases() {
        let s = h100_series();
        assert!(s.idle.len() > 10, "idle {}", s.idle.len());
        assert!(s.load.len() > 40, "load {}", s.load.len());
        assert!(s.cool.len() > 20, "cool {}", s.cool.len());
        assert!(
            s.load
                .iter()
                .all(|x| x.power_w > 400.0 && x.power_w <= 705.0)
        );
        assert!(
            s.idle
                .iter()
                .all(|x| x.gpu_util == 0.0 && x.power_w < 100.0)
        );
        assert!(
            s.cooling(0).fb_used_mib > 60_000.0,
            "memory held after load"
        );
    }

    #[test]
    fn le_labels_match_prometheus_text() {
        assert_eq!(le_label(0.5), "0.5");
        assert_eq!(le_label(1.0), "1.0");
        assert_eq!(le_label(f64::INFINITY), "+Inf");
    }

    #[test]
    fn lcg_is_seeded_and_bounded() {
        let a: Vec<u64> = (0..5).scan(Lcg::new(7), |g, _| Some(g.below(10))).collect();
        let b: Vec<u64> = (0..5).scan(Lcg::new(7), |g, _| Some(g.below(10))).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|x| *x < 10));
        let u = Lcg::new(1).unit();
        assert!((0.0..1.0).contains(&u));
    }
}
