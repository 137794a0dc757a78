//! Alert evaluation as a pure state machine over event time, and the value a rule measures for
//! one endpoint. Missing data never fires: it pauses the rule with a reason and keeps its state.

use crate::domain::Millis;
use crate::domain::server::Server;
use crate::serving::derive::histogram::{
    Gap, Selector, Window, counter_delta, gauge_values, histogram_quantiles, mean_ratio, select,
    sum_rate,
};
use crate::serving::derive::objectives::{QuantileFn, Stat, e2e_quantile_with, rate_and_errors};
use crate::settings::alerts::{AlertRule, Op, RuleKind};
use crate::world::metrics::MetricStore;

/// Where one rule stands for one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertState {
    #[default]
    Inactive,
    /// Breaching since `since`, not yet for the `for` duration.
    Pending { since: Millis },
    /// Breached for the `for` duration; firing since `since`.
    Firing { since: Millis },
    /// Was firing, stopped at `at`.
    Resolved { at: Millis },
}

/// The evaluator of one rule for one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEval {
    pub op: Op,
    pub threshold: f64,
    pub for_ms: Millis,
    pub state: AlertState,
    /// The last value seen, when there was one.
    pub last_value: Option<f64>,
    /// Why the rule is paused (no data, clock went back); None while data flows.
    pub paused: Option<&'static str>,
    last_at: Option<Millis>,
}

impl AlertEval {
    pub fn new(rule: &AlertRule) -> Self {
        AlertEval {
            op: rule.op,
            threshold: rule.threshold,
            for_ms: rule.for_ms,
            state: AlertState::Inactive,
            last_value: None,
            paused: None,
            last_at: None,
        }
    }

    /// Step the state at event time `now_ms` with the measured `value` (None or NaN: unknown).
    /// Unknown data pauses the rule and leaves its state as it was: a pending rule does not
    /// advance to firing on missing data, and a firing one is not resolved by it either.
    pub fn evaluate(&mut self, now_ms: Millis, value: Option<f64>) -> AlertState {
        self.evaluate_why(now_ms, value.ok_or("no data"))
    }

    /// Like `evaluate`, with the reason data is missing.
    pub fn evaluate_why(&mut self, now_ms: Millis, value: Result<f64, &'static str>) -> AlertState {
        if self.last_at.is_some_and(|t| now_ms < t) {
            self.paused = Some("event time went backwards");
            return self.state;
        }
        self.last_at = Some(now_ms);
        let v = match value {
            Ok(v) if v.is_nan() => {
                self.paused = Some("value is NaN");
                return self.state;
            }
            Ok(v) => v,
            Err(why) => {
                self.paused = Some(why);
                return self.state;
            }
        };
        self.paused = None;
        self.last_value = Some(v);
        let breached = self.op.breached(v, self.threshold);
        self.state = match (self.state, breached) {
            (AlertState::Inactive | AlertState::Resolved { .. }, true) if self.for_ms <= 0 => {
                AlertState::Firing { since: now_ms }
            }
            (AlertState::Inactive | AlertState::Resolved { .. }, true) => {
                AlertState::Pending { since: now_ms }
            }
            (AlertState::Pending { since }, true) if now_ms - since >= self.for_ms => {
                AlertState::Firing { since: now_ms }
            }
            (s @ (AlertState::Pending { .. } | AlertState::Firing { .. }), true) => s,
            (AlertState::Pending { .. }, false) => AlertState::Inactive,
            (AlertState::Firing { .. }, false) => AlertState::Resolved { at: now_ms },
            (s @ (AlertState::Inactive | AlertState::Resolved { .. }), false) => s,
        };
        self.state
    }
}

fn gap(r: Result<f64, Gap>) -> Result<f64, &'static str> {
    r.map_err(Gap::reason)
}

fn stat(s: Stat) -> Result<f64, &'static str> {
    match s {
        Stat::Value(v) => Ok(v),
        Stat::Unavailable(why) => Err(why),
    }
}

/// What `rule` measures for the endpoint `sel` (running `server`) at `now`.
pub fn rule_value(
    rule: &AlertRule,
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    now: Millis,
) -> Result<f64, &'static str> {
    let mut hq = |name: &str, w: Window, qs: &[f64]| histogram_quantiles(store, name, sel, w, qs);
    rule_value_with(rule, store, server, sel, now, &mut hq)
}

/// `rule_value` with the histogram quantiles taken from `hq` (the Serving view's indexes).
pub fn rule_value_with(
    rule: &AlertRule,
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    now: Millis,
    hq: &mut QuantileFn<'_>,
) -> Result<f64, &'static str> {
    let w = Window::ending_at(now, rule.window_ms);
    match &rule.kind {
        RuleKind::LatencyQuantile {
            metric: Some(m),
            quantile,
        } => gap(hq(m, w, &[*quantile])[0]),
        RuleKind::LatencyQuantile {
            metric: None,
            quantile,
        } => stat(e2e_quantile_with(hq, server, w, *quantile)),
        RuleKind::ErrorRatio {
            counters: Some((e, t)),
        } => {
            let t = gap(sum_rate(store, t, sel, w))?;
            let e = gap(sum_rate(store, e, sel, w))?;
            if t <= 0.0 {
                return Err(Gap::NoObservations.reason());
            }
            Ok(e / t)
        }
        // Only the error figures: the rest of the endpoint's stats would be computed for
        // nothing at every step of the book's 30-minute catch-up.
        RuleKind::ErrorRatio { counters: None } => stat(rate_and_errors(store, server, sel, w).1),
        RuleKind::CounterIncrease { metric } => {
            let ids = select(store, metric, sel);
            if ids.is_empty() {
                return Err(Gap::NoSeries.reason());
            }
            // Worst series (one container's restarts), raw delta as `x - x offset w` reads it.
            ids.iter()
                .filter_map(|id| counter_delta(store.points_in(*id, w.start, w.end)))
                .map(|d| d.raw)
                .reduce(f64::max)
                .ok_or(Gap::TooFewSamples.reason())
        }
        RuleKind::Gauge { metric } => {
            let vals = gap(gauge_values(store, metric, sel, w).map(|v| {
                let pick = if rule.op == Op::Below {
                    f64::min
                } else {
                    f64::max
                };
                v.into_iter().reduce(pick).unwrap_or(f64::NAN)
            }))?;
            Ok(vals)
        }
        RuleKind::MeanRatio { metric } => gap(mean_ratio(
            store,
            &format!("{metric}_sum"),
            &format!("{metric}_count"),
            sel,
            w,
            1.0,
        )),
    }
}
