//! The embedded serving scenarios replayed through the reducer tick by tick, as the app runs
//! them: alert rules go pending, then firing, at the event times the data says, and the view's
//! quantiles and error ratios agree with a hand computation from the raw samples.

use std::collections::BTreeMap;

use aicockpit::contract::event::{Msg, TimedEvent};
use aicockpit::contract::scenario::Scenario;
use aicockpit::serving::derive::alert_eval::AlertState;
use aicockpit::serving::view::EndpointView;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator;
use aicockpit::sources::generator::{bad_rollout, vllm_queue};
use aicockpit::state::{AppState, Mode, update};
use aicockpit::world::metrics::MetricStore;

/// Replay `s` in `step_ms` ticks; call `each` after every tick with the scenario time.
fn replay(s: &Scenario, step_ms: i64, mut each: impl FnMut(i64, &AppState)) -> AppState {
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    let mut i = 0;
    let mut t = 0;
    while t <= s.duration_ms() {
        let mut batch = Vec::new();
        while i < s.events.len() && s.events[i].t_ms <= t {
            batch.push(TimedEvent {
                at_ms: s.start_ms + s.events[i].t_ms,
                ev: s.events[i].ev.clone(),
            });
            i += 1;
        }
        update(&mut st, Msg::Source(batch));
        update(
            &mut st,
            Msg::Tick {
                now_ms: s.start_ms + t,
            },
        );
        each(t, &st);
        t += step_ms;
    }
    st
}

fn endpoint<'a>(st: &'a AppState, name: &str) -> &'a EndpointView {
    st.serving
        .endpoints
        .iter()
        .find(|e| e.endpoint.key.name == name)
        .unwrap_or_else(|| panic!("endpoint {name} not found"))
}

/// Per tick: the state of one rule for one endpoint, and a figure from the endpoint's stats.
struct Trace {
    ticks: Vec<(i64, Option<AlertState>, Option<f64>)>,
}

impl Trace {
    fn record(
        s: &Scenario,
        endpoint_name: &str,
        rule: &str,
        figure: fn(&EndpointView) -> Option<f64>,
    ) -> (Trace, AppState) {
        let mut ticks = Vec::new();
        let st = replay(s, 15_000, |t, st| {
            let e = endpoint(st, endpoint_name);
            let state = st
                .serving
                .alerts_of(&e.endpoint.key)
                .find(|a| a.rule == rule)
                .map(|a| a.state);
            ticks.push((t, state, figure(e)));
        });
        (Trace { ticks }, st)
    }

    /// The first tick (scenario ms) where `pred` holds for the alert state.
    fn first(&self, pred: impl Fn(&AlertState) -> bool) -> Option<usize> {
        self.ticks
            .iter()
            .position(|(_, a, _)| a.as_ref().is_some_and(&pred))
    }
}

/// Check the pending -> firing story of one rule against the figure the pane shows: pending
/// exactly at the first tick the figure crosses the threshold, firing `for_ms` later.
fn assert_pending_then_firing(s: &Scenario, tr: &Trace, threshold: f64, for_ms: i64) -> (i64, i64) {
    let p = tr
        .first(|a| matches!(a, AlertState::Pending { .. }))
        .expect("the rule goes pending");
    let (tp, state, value) = tr.ticks[p];
    assert_eq!(
        state,
        Some(AlertState::Pending {
            since: s.start_ms + tp
        })
    );
    let v = value.expect("a value when pending");
    assert!(v > threshold, "pending at {tp} with {v} <= {threshold}");
    let before = tr.ticks[p - 1].2.expect("a value the tick before");
    assert!(
        before <= threshold,
        "{before} already above {threshold} at {}",
        tp - 15_000
    );
    let f = tr
        .first(|a| matches!(a, AlertState::Firing { .. }))
        .expect("the rule fires");
    let (tf, state, _) = tr.ticks[f];
    assert_eq!(tf, tp + for_ms, "fires `for` after it went pending");
    assert_eq!(
        state,
        Some(AlertState::Firing {
            since: s.start_ms + tf
        })
    );
    // Between the two the figure stayed above the threshold, and the rule stayed pending.
    for (t, a, v) in &tr.ticks[p..f] {
        assert!(v.is_some_and(|v| v > threshold), "dipped at {t}");
        assert!(
            matches!(a, Some(AlertState::Pending { .. })),
            "{a:?} at {t}"
        );
    }
    (tp, tf)
}

/// Sum of (last - first) over the window of every series of `name` matching `pod` prefix.
fn deltas(m: &MetricStore, name: &str, from: i64, to: i64) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for (id, key, _) in m.entries_by_name(name) {
        let pts: Vec<(i64, f64)> = m.points_in(id, from, to).collect();
        if pts.len() < 2 {
            continue;
        }
        let le = key.labels.get("le").cloned().unwrap_or_default();
        *out.entry(le).or_default() += pts[pts.len() - 1].1 - pts[0].1;
    }
    out
}

/// `histogram_quantile` by hand: cumulative counts by numeric `le`, linear interpolation.
fn hand_quantile(q: f64, by_le: &BTreeMap<String, f64>) -> f64 {
    let mut b: Vec<(f64, f64)> = by_le
        .iter()
        .map(|(le, c)| {
            (
                if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().expect("le")
                },
                *c,
            )
        })
        .collect();
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    let total = b.last().expect("+Inf").1;
    let rank = q * total;
    let i = b.iter().position(|x| x.1 >= rank).expect("rank inside");
    let (lo, below) = if i == 0 { (0.0, 0.0) } else { b[i - 1] };
    lo + (b[i].0 - lo) * (rank - below) / (b[i].1 - below)
}

#[test]
fn vllm_queue_p99_goes_pending_then_firing_while_the_hpa_is_pinned() {
    let s = generator::generate(vllm_queue::VLLM_QUEUE).expect("known");
    let rules = aicockpit::settings::alerts::load(None).expect("rules");
    let rule = rules
        .iter()
        .find(|r| r.name == "LlmE2eP99Objective")
        .expect("rule");
    let (tr, st) = Trace::record(&s, vllm_queue::APP, &rule.name, |e| {
        e.stats.as_ref().ok().and_then(|s| s.p99.value())
    });
    // Healthy before the surge: the rule has data and is inactive.
    for (t, a, _) in tr
        .ticks
        .iter()
        .filter(|x| x.0 > 60_000 && x.0 <= vllm_queue::SURGE)
    {
        assert_eq!(*a, Some(AlertState::Inactive), "at {t}");
    }
    let (tp, tf) = assert_pending_then_firing(&s, &tr, rule.threshold, rule.for_ms);
    assert!(tp > vllm_queue::SURGE && tf < s.duration_ms(), "{tp} {tf}");

    let e = endpoint(&st, vllm_queue::APP);
    let hpa = e.endpoint.hpa.as_ref().expect("hpa");
    assert_eq!((hpa.current, hpa.max), (Some(3), Some(vllm_queue::HPA_MAX)));
    assert!(hpa.limited, "ScalingLimited at the end");
    let stats = e.stats.as_ref().expect("stats");
    assert!(
        stats.waiting.value().is_some_and(|w| w > 100.0),
        "{:?}",
        stats.waiting
    );
    assert!(stats.kv_cache.value().is_some_and(|k| k > 0.95));
    assert_eq!(objective_p99(e), Some(rule.threshold));
    // The quantile the pane shows, by hand from the raw bucket samples of the last 5 minutes.
    let end = s.start_ms + s.duration_ms();
    let b = deltas(
        &st.world.metrics,
        "vllm:e2e_request_latency_seconds_bucket",
        end - 300_000,
        end,
    );
    for (q, got) in [(0.5, stats.p50), (0.99, stats.p99)] {
        let want = hand_quantile(q, &b);
        let got = got.value().expect("value");
        assert!((got - want).abs() < 1e-9, "p{q}: {got} vs {want}");
    }
    // The sparkline series breaches the objective at its end, not at its start.
    let last = e.series.last().and_then(|p| p.p99).expect("last point");
    assert!(last > rule.threshold);
}

fn objective_p99(e: &EndpointView) -> Option<f64> {
    e.objectives.p99
}

#[test]
fn bad_rollout_error_ratio_goes_pending_then_firing() {
    let s = generator::generate(bad_rollout::BAD_ROLLOUT).expect("known");
    let rules = aicockpit::settings::alerts::load(None).expect("rules");
    for name in ["EndpointErrorObjective", "HighModelErrorRate"] {
        let rule = rules.iter().find(|r| r.name == name).expect("rule");
        let (tr, st) = Trace::record(&s, bad_rollout::APP, name, |e| {
            e.stats.as_ref().ok().and_then(|s| s.err_ratio.value())
        });
        for (t, a, v) in tr
            .ticks
            .iter()
            .filter(|x| x.0 > 0 && x.0 <= bad_rollout::SET_IMAGE)
        {
            assert_eq!(*a, Some(AlertState::Inactive), "{name} at {t}");
            assert!(v.is_some_and(|v| v < 0.01), "{v:?} at {t}");
        }
        let (tp, _) = assert_pending_then_firing(&s, &tr, rule.threshold, rule.for_ms);
        assert!(tp > bad_rollout::SET_IMAGE, "{tp}");

        let e = endpoint(&st, bad_rollout::APP);
        assert_eq!(e.endpoint.revision.as_deref(), Some("5"));
        assert_eq!(e.objectives.err_ratio, Some(0.05));
        assert_eq!(e.pods.len(), bad_rollout::REPLICAS as usize);
        for p in &e.pods {
            assert_eq!(p.revision.as_deref(), Some(bad_rollout::NEW_HASH));
            assert_eq!(p.image.as_deref(), Some(bad_rollout::NEW_IMAGE));
        }
        // The error ratio by hand: summed counter increases over the last 5 minutes.
        let end = s.start_ms + s.duration_ms();
        let errs: f64 = deltas(&st.world.metrics, "model_errors_total", end - 300_000, end)
            .values()
            .sum();
        let reqs: f64 = deltas(
            &st.world.metrics,
            "model_requests_total",
            end - 300_000,
            end,
        )
        .values()
        .sum();
        let got = e
            .stats
            .as_ref()
            .expect("stats")
            .err_ratio
            .value()
            .expect("ratio");
        assert!((got - errs / reqs).abs() < 1e-9, "{got} vs {}", errs / reqs);
        assert!((got - bad_rollout::NEW_ERRORS).abs() < 0.02, "{got}");
    }
}

#[test]
fn alert_times_do_not_depend_on_how_events_were_batched() {
    let s = generator::generate(vllm_queue::VLLM_QUEUE).expect("known");
    let stepped = replay(&s, 15_000, |_, _| {});
    let mut once = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    let all: Vec<TimedEvent> = s
        .events
        .iter()
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(&mut once, Msg::Source(all));
    update(
        &mut once,
        Msg::Tick {
            now_ms: s.start_ms + s.duration_ms(),
        },
    );
    let states = |st: &AppState| -> Vec<(String, AlertState)> {
        st.serving
            .alerts
            .iter()
            .map(|a| (a.rule.clone(), a.state))
            .collect()
    };
    assert!(
        states(&stepped)
            .iter()
            .any(|(_, a)| matches!(a, AlertState::Firing { .. }))
    );
    assert_eq!(states(&stepped), states(&once));
    assert_eq!(stepped.serving.endpoints, once.serving.endpoints);
}

#[test]
fn a_jump_to_the_end_delivered_in_chunks_ends_in_the_same_alert_states() {
    // The replay task hands out at most 2048 events a step; after `]` the clock is already at
    // the end while the data is still arriving. Alerts must not be judged before their data.
    let s = generator::generate(vllm_queue::VLLM_QUEUE).expect("known");
    let stepped = replay(&s, 15_000, |_, _| {});
    let mut jumped = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    let end = s.start_ms + s.duration_ms();
    update(&mut jumped, Msg::Tick { now_ms: end });
    for chunk in s.events.chunks(2048) {
        let batch: Vec<TimedEvent> = chunk
            .iter()
            .map(|l| TimedEvent {
                at_ms: s.start_ms + l.t_ms,
                ev: l.ev.clone(),
            })
            .collect();
        update(&mut jumped, Msg::Source(batch));
        update(&mut jumped, Msg::Tick { now_ms: end });
    }
    let states = |st: &AppState| -> Vec<(String, AlertState, Option<&'static str>)> {
        st.serving
            .alerts
            .iter()
            .map(|a| (a.rule.clone(), a.state, a.paused))
            .collect()
    };
    assert!(
        states(&jumped)
            .iter()
            .any(|(_, a, _)| matches!(a, AlertState::Firing { .. })),
        "{:?}",
        states(&jumped)
    );
    assert_eq!(states(&jumped), states(&stepped));
}
