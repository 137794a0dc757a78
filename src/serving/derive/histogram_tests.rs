//! Tests of `histogram`.

use super::*;
use crate::domain::Millis;
use crate::serving::derive::counter::first_after;

#[test]
fn extrapolation_stops_half_an_interval_past_a_gap() {
    // Samples at 30, 45, 60 s in (0, 60 s]: 30 s to the start is past 1.1 x 15 s, so only
    // 7.5 s is added: 20 * (30 + 7.5) / 30 = 25.
    let pts = [(30_000, 100.0), (45_000, 110.0), (60_000, 120.0)];
    let w = Window::ending_at(60_000, 60_000);
    assert_eq!(increase(pts, w), Some(25.0));
    // One sample is not enough for a rate.
    assert_eq!(rate([(60_000, 1.0)], w), None);
    // NaN samples are skipped, not counted as resets.
    let d = counter_delta([(1, 5.0), (2, f64::NAN), (3, 7.0)]).map(|d| d.raw);
    assert_eq!(d, Some(2.0));
}

#[test]
fn first_after_matches_binary_search_on_irregular_times() {
    let times = [0, 1, 2, 3, 50, 51, 52, 900, 901, 1000];
    let p: std::collections::VecDeque<(Millis, f64)> = times.iter().map(|t| (*t, 0.0)).collect();
    for t in -5..1010 {
        assert_eq!(first_after(&p, t), p.partition_point(|x| x.0 <= t), "t={t}");
    }
    assert_eq!(first_after(&std::collections::VecDeque::new(), 5), 0);
}
