//! Quantiles, rates and means against hand-computed values (arithmetic in the comments).

use std::collections::BTreeMap;

use aicockpit::serving::derive::histogram::{
    Gap, Selector, Window, bucket_quantile, histogram_quantiles, increase, mean_ratio, rate,
};
use aicockpit::serving::derive::sparkline::{prepare, quantile_steps};
use aicockpit::world::metrics::MetricStore;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Push one bucket series `name{pod, le}` with `(t_s, value)` points.
fn bucket(m: &mut MetricStore, pod: &str, le: &str, pts: &[(i64, f64)]) {
    for (t, v) in pts {
        m.push(
            "lat_bucket",
            &labels(&[("pod", pod), ("le", le)]),
            t * 1000,
            *v,
        );
    }
}

/// Samples every 15 s at 15, 30, 45, 60 s; each bucket starts at `base` and gains `inc` at 60 s.
fn steady(m: &mut MetricStore, pod: &str, buckets: &[(&str, f64, f64)]) {
    for (le, base, inc) in buckets {
        bucket(
            m,
            pod,
            le,
            &[(15, *base), (30, *base), (45, *base), (60, base + inc)],
        );
    }
}

const W: Window = Window {
    start: 0,
    end: 60_000,
};

fn q(m: &MetricStore, qs: &[f64]) -> Vec<Result<f64, Gap>> {
    histogram_quantiles(m, "lat_bucket", &Selector::all(), W, qs)
}

fn close(a: Result<f64, Gap>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

fn basic() -> MetricStore {
    let mut m = MetricStore::default();
    // Increases over the window: le 0.1 +10, 0.5 +40, 1 +90, +Inf +100.
    steady(
        &mut m,
        "a",
        &[
            ("0.1", 100.0, 10.0),
            ("0.5", 200.0, 40.0),
            ("1", 300.0, 90.0),
            ("+Inf", 400.0, 100.0),
        ],
    );
    m
}

#[test]
fn interpolation_inf_bucket_and_first_bucket() {
    let m = basic();
    let r = q(&m, &[0.05, 0.2, 0.5, 0.95, 0.99]);
    // p05: rank 0.05*100 = 5 falls in the first bucket (10 >= 5): 0 + 0.1 * 5/10 = 0.05.
    close(r[0], 0.05);
    // p20: rank 20 in (0.1, 0.5] (40 >= 20): 0.1 + 0.4 * (20-10)/(40-10) = 0.2333...
    close(r[1], 0.1 + 0.4 * 10.0 / 30.0);
    // p50: rank 50 in (0.5, 1] (90 >= 50): 0.5 + 0.5 * (50-40)/(90-40) = 0.6.
    close(r[2], 0.6);
    // p95 and p99: ranks 95, 99 exceed 90, so +Inf: the last finite bound, 1.
    close(r[3], 1.0);
    close(r[4], 1.0);
}

#[test]
fn extrapolation_happens_and_cancels_with_shared_sample_times() {
    let m = basic();
    let id = m.ids_by_name("lat_bucket")[0];
    // le 0.1: raw +10 over the samples 15..60 s (45 s). Extrapolated to the window start 0 s
    // (15 s away, below 1.1 x the 15 s interval; zero point 45*100/10 = 450 s is further):
    // 10 * (45 + 15 + 0) / 45 = 13.333...
    let inc = increase(m.points_in(id, W.start, W.end), W).expect("increase");
    assert!((inc - 40.0 / 3.0).abs() < 1e-9, "{inc}");
    // Every bucket has the same factor 4/3, so the quantile equals the raw-delta one.
    let mut raw = vec![
        (0.1, 10.0),
        (0.5, 40.0),
        (1.0, 90.0),
        (f64::INFINITY, 100.0),
    ];
    let from_raw = bucket_quantile(0.5, &mut raw).expect("raw quantile");
    // Equal up to float rounding of the 4/3 factor.
    close(q(&m, &[0.5])[0], from_raw);
}

#[test]
fn bucket_born_in_window_is_not_extrapolated_before_zero() {
    let mut m = MetricStore::default();
    // le 1 starts at 0 (born at 15 s): the zero clamp stops start extrapolation, factor 1,
    // increase 10. +Inf: 100 -> 120, factor 4/3, increase 26.667.
    bucket(
        &mut m,
        "a",
        "1",
        &[(15, 0.0), (30, 0.0), (45, 0.0), (60, 10.0)],
    );
    bucket(
        &mut m,
        "a",
        "+Inf",
        &[(15, 100.0), (30, 100.0), (45, 100.0), (60, 120.0)],
    );
    // p25, as Prometheus: rank 0.25 * 26.667 = 6.667 in the first bucket: 1 * 6.667/10.
    close(q(&m, &[0.25])[0], (0.25 * 80.0 / 3.0) / 10.0);
    // From raw deltas it would be rank 5 of 20 -> 0.5: the clamp is why the two differ.
    let mut raw = vec![(1.0, 10.0), (f64::INFINITY, 20.0)];
    close(bucket_quantile(0.25, &mut raw), 0.5);
}

#[test]
fn counter_reset_mid_window() {
    let mut m = MetricStore::default();
    // The pod restarts between 30 s and 45 s; every bucket resets.
    // le 0.5: 40 -> 45, reset to 1, -> 3: 5 + 1 + 2 = 8
    // le 1:   50 -> 60, reset to 2, -> 6: 10 + 2 + 4 = 16
    // +Inf:   80 -> 100, reset to 4, -> 12: 20 + 4 + 8 = 32
    bucket(
        &mut m,
        "a",
        "0.5",
        &[(15, 40.0), (30, 45.0), (45, 1.0), (60, 3.0)],
    );
    bucket(
        &mut m,
        "a",
        "1",
        &[(15, 50.0), (30, 60.0), (45, 2.0), (60, 6.0)],
    );
    bucket(
        &mut m,
        "a",
        "+Inf",
        &[(15, 80.0), (30, 100.0), (45, 4.0), (60, 12.0)],
    );
    // p40: rank 0.4*32 = 12.8 in (0.5, 1]: 0.5 + 0.5 * (12.8-8)/(16-8) = 0.8.
    close(q(&m, &[0.4])[0], 0.8);
    // Rate of the +Inf series: 32 * 4/3 (first value 80 puts zero at 45*80/32 = 112 s,
    // beyond the 15 s gap) = 42.667 over 60 s = 0.7111/s.
    let id = m
        .ids_by_name("lat_bucket")
        .iter()
        .copied()
        .find(|i| m.key(*i).is_some_and(|k| k.labels["le"] == "+Inf"))
        .expect("inf series");
    let r = rate(m.points_in(id, W.start, W.end), W).expect("rate");
    assert!((r - 32.0 * 4.0 / 3.0 / 60.0).abs() < 1e-9, "{r}");
}

#[test]
fn empty_window_and_zero_count() {
    let m = basic();
    let later = Window {
        start: 60_000,
        end: 120_000,
    };
    let r = histogram_quantiles(&m, "lat_bucket", &Selector::all(), later, &[0.5]);
    assert_eq!(r[0], Err(Gap::TooFewSamples));
    let none = histogram_quantiles(&m, "other_bucket", &Selector::all(), W, &[0.5]);
    assert_eq!(none[0], Err(Gap::NoSeries));
    // Counters that did not move: zero observations, not a zero latency.
    let mut idle = MetricStore::default();
    steady(&mut idle, "a", &[("0.5", 7.0, 0.0), ("+Inf", 9.0, 0.0)]);
    assert_eq!(q(&idle, &[0.5])[0], Err(Gap::NoObservations));
}

#[test]
fn single_bucket_and_missing_inf() {
    let mut only_inf = MetricStore::default();
    steady(&mut only_inf, "a", &[("+Inf", 10.0, 5.0)]);
    assert_eq!(q(&only_inf, &[0.5])[0], Err(Gap::TooFewBuckets));
    let mut no_inf = MetricStore::default();
    steady(&mut no_inf, "a", &[("0.5", 10.0, 5.0), ("1", 10.0, 6.0)]);
    assert_eq!(q(&no_inf, &[0.5])[0], Err(Gap::NoInfBucket));
}

#[test]
fn non_monotonic_buckets_are_forced_monotonic() {
    // 0.5 has 8 < 10 below it: raised to 10. p50: rank 20 in (0.5, 1]:
    // 0.5 + 0.5 * (20-10)/(30-10) = 0.75 (unfixed it would be 0.5 + 0.5*12/22 = 0.7727).
    let mut b = vec![(1.0, 30.0), (0.1, 10.0), (f64::INFINITY, 40.0), (0.5, 8.0)];
    close(bucket_quantile(0.5, &mut b), 0.75);
    // Calling again on the same (now normalised) buckets gives the same answer.
    close(bucket_quantile(0.5, &mut b), 0.75);
    // A first bucket with a bound <= 0 returns that bound.
    let mut neg = vec![(0.0, 5.0), (1.0, 10.0), (f64::INFINITY, 10.0)];
    close(bucket_quantile(0.2, &mut neg), 0.0);
    assert_eq!(bucket_quantile(1.5, &mut neg), Err(Gap::BadQuantile));
}

#[test]
fn sum_by_le_across_pods_and_selector() {
    let mut m = MetricStore::default();
    // Pod a: 0.5 +10, 1 +10, Inf +10. Pod b: 0.5 +0, 1 +10, Inf +10. Sum: 10, 20, 20.
    steady(
        &mut m,
        "a",
        &[("0.5", 50.0, 10.0), ("1", 50.0, 10.0), ("+Inf", 50.0, 10.0)],
    );
    steady(
        &mut m,
        "b",
        &[("0.5", 50.0, 0.0), ("1", 50.0, 10.0), ("+Inf", 50.0, 10.0)],
    );
    let r = q(&m, &[0.5, 0.75]);
    // p50: rank 10 in the first bucket (10 >= 10): 0.5 * 10/10 = 0.5.
    close(r[0], 0.5);
    // p75: rank 15 in (0.5, 1]: 0.5 + 0.5 * (15-10)/(20-10) = 0.75.
    close(r[1], 0.75);
    // Pod b alone: rank 5 of 10 in (0.5, 1] (first bucket has 0): 0.5 + 0.5 * 5/10 = 0.75.
    let b = histogram_quantiles(&m, "lat_bucket", &Selector::all().eq("pod", "b"), W, &[0.5]);
    close(b[0], 0.75);
}

#[test]
fn triton_mean_from_cumulative_microseconds() {
    let mut m = MetricStore::default();
    let l = labels(&[("model", "m")]);
    // Δduration = 600000 µs, Δsuccess = 12: 50000 µs = 0.05 s per request.
    for (t, d, s) in [
        (15, 1.0e6, 100.0),
        (30, 1.2e6, 104.0),
        (45, 1.4e6, 108.0),
        (60, 1.6e6, 112.0),
    ] {
        m.push("nv_inference_request_duration_us", &l, t * 1000, d);
        m.push("nv_inference_request_success", &l, t * 1000, s);
    }
    let mean = mean_ratio(
        &m,
        "nv_inference_request_duration_us",
        "nv_inference_request_success",
        &Selector::all(),
        W,
        1e-6,
    );
    close(mean, 0.05);
}

#[test]
fn sparkline_steps_match_point_queries() {
    let mut m = MetricStore::default();
    // Two minutes of 15 s scrapes; latency mass shifts up in the second minute.
    for i in 1..=8 {
        let t = i * 15;
        let (fast, all) = if t <= 60 {
            (i as f64 * 9.0, i as f64 * 10.0)
        } else {
            (36.0 + (i - 4) as f64, 40.0 + (i - 4) as f64 * 10.0)
        };
        bucket(&mut m, "a", "0.5", &[(t, fast)]);
        bucket(&mut m, "a", "+Inf", &[(t, all)]);
        bucket(&mut m, "a", "1", &[(t, all)]);
    }
    let prepared = prepare(&m, "lat_bucket", &Selector::all());
    let steps = quantile_steps(&prepared, 60_000, 60_000, 120_000, 15_000, &[0.5, 0.99]);
    assert_eq!(steps.len(), 5);
    for s in &steps {
        let direct = histogram_quantiles(
            &m,
            "lat_bucket",
            &Selector::all(),
            Window::ending_at(s.at, 60_000),
            &[0.5, 0.99],
        );
        assert_eq!(s.values, direct, "at {}", s.at);
    }
    // First minute: 90 % under 0.5 s, so p50 = 0.5 * 0.5/0.9 = 0.2778; last minute: 1 of 10
    // per step under 0.5 s, so p50 = 0.5 + 0.5 * (0.5-0.1)/0.9 = 0.7222.
    close(steps[0].values[0], 0.5 * 0.5 / 0.9);
    close(steps[4].values[0], 0.5 + 0.5 * 0.4 / 0.9);
}
