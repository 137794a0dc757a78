//! The alert book of the Serving view: the alert rules in force (`assets/alerts.toml` merged with
//! the user's, from the state's rule data) evaluated per endpoint
//! on event time, stepped at a fixed evaluation interval (as Prometheus does), so the same
//! history gives the same pending / firing / resolved times however the events were batched.
//! Evaluator state is kept across refreshes; a clock that goes back (a replay restarted) starts
//! the book afresh.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::Millis;
use crate::domain::ObjKey;
use crate::domain::server::Server;
use crate::domain::severity::Severity;
use crate::serving::derive::alert_eval::{AlertEval, AlertState, rule_value_with};
use crate::serving::derive::histogram::{Gap, Selector, Window, histogram_quantiles};
use crate::settings::alerts::{AlertRule, Op, RuleKind};
use crate::settings::rules::RulesError;
use crate::world::metrics::MetricStore;

/// How often rules are evaluated, in event time.
pub const EVAL_STEP_MS: Millis = 15_000;
/// How far back the first evaluation (or a catch-up after a long gap) reaches.
pub const EVAL_HORIZON_MS: Millis = 30 * 60_000;

/// Histogram quantiles of target `i`: `(i, bucket_name, window, qs)` to one result per `q`.
pub type TargetQuantiles<'a> = dyn FnMut(usize, &str, Window, &[f64]) -> Vec<Result<f64, Gap>> + 'a;

/// One rule's state for one endpoint, as the pane and the triage engine read it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointAlert {
    pub endpoint: ObjKey,
    pub rule: String,
    /// What is measured, short: `p99 > 10s`, `errors > 5%`.
    pub what: String,
    pub severity: Severity,
    pub summary: String,
    pub op: Op,
    pub threshold: f64,
    pub state: AlertState,
    /// The value at the last evaluation that had data.
    pub value: Option<f64>,
    /// Why the last evaluation had no data, if it had none.
    pub paused: Option<&'static str>,
}

impl EndpointAlert {
    /// Pending or firing.
    pub fn active(&self) -> bool {
        matches!(
            self.state,
            AlertState::Pending { .. } | AlertState::Firing { .. }
        )
    }

    /// Firing first, then pending, resolved, inactive; more severe first within each.
    pub fn rank(&self) -> (u8, std::cmp::Reverse<Severity>) {
        let s = match self.state {
            AlertState::Firing { .. } => 0,
            AlertState::Pending { .. } => 1,
            AlertState::Resolved { .. } => 2,
            AlertState::Inactive => 3,
        };
        (s, std::cmp::Reverse(self.severity))
    }
}

/// An endpoint to evaluate: its key, server and metric selector (None: no pods known).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub key: &'a ObjKey,
    pub server: Server,
    pub sel: Option<&'a Selector>,
}

#[derive(Debug, Clone, PartialEq)]
struct Slot {
    eval: AlertEval,
    /// The rule has had data for this endpoint at least once.
    seen: bool,
}

/// Rules, and their evaluators per (endpoint, rule index).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertBook {
    rules: Vec<AlertRule>,
    loaded: bool,
    /// Why the rules could not be loaded (the embedded ones are checked by tests).
    pub error: Option<String>,
    slots: BTreeMap<(ObjKey, usize), Slot>,
    evaluated_to: Option<Millis>,
}

impl AlertBook {
    /// A book over the given rules (tests, user files).
    pub fn with_rules(rules: Vec<AlertRule>) -> Self {
        AlertBook {
            rules,
            loaded: true,
            ..AlertBook::default()
        }
    }

    pub fn rules(&self) -> &[AlertRule] {
        &self.rules
    }

    /// The last evaluation time, if any.
    pub fn evaluated_to(&self) -> Option<Millis> {
        self.evaluated_to
    }

    /// Take the rules in force (the loaded rule data), once.
    pub fn ensure_loaded(&mut self, rules: Result<&[AlertRule], &RulesError>) {
        if self.loaded {
            return;
        }
        self.loaded = true;
        match rules {
            Ok(r) => self.rules = r.to_vec(),
            Err(e) => self.error = Some(e.to_string().replace('\n', "; ")),
        }
    }

    /// Evaluate every applicable rule for every target at each step up to `now`, but never past
    /// the newest sample the store holds: a replay jumped to its end delivers the data in
    /// batches after the clock has moved, and a step evaluated before its data arrived would
    /// be judged on an empty window and never revisited.
    pub fn step(&mut self, store: &MetricStore, targets: &[Target], now: Millis) {
        let mut hq = |i: usize, name: &str, w: Window, qs: &[f64]| match targets[i].sel {
            Some(sel) => histogram_quantiles(store, name, sel, w, qs),
            None => vec![Err(Gap::NoSeries); qs.len()],
        };
        self.step_with(store, targets, now, &mut hq)
    }

    /// `step`, with target `i`'s histogram quantiles taken from `hq(i, name, window, qs)`.
    pub fn step_with(
        &mut self,
        store: &MetricStore,
        targets: &[Target],
        now: Millis,
        hq: &mut TargetQuantiles<'_>,
    ) {
        let now = store.newest_ms().map_or(now, |n| now.min(n));
        if self.evaluated_to.is_some_and(|t| now < t) {
            self.slots.clear();
            self.evaluated_to = None;
        }
        let keys: BTreeSet<&ObjKey> = targets.iter().map(|t| t.key).collect();
        self.slots.retain(|(k, _), _| keys.contains(k));
        let last = now.div_euclid(EVAL_STEP_MS) * EVAL_STEP_MS;
        let earliest = last - EVAL_HORIZON_MS;
        let first = self
            .evaluated_to
            .map_or(earliest, |t| t + EVAL_STEP_MS)
            .max(earliest);
        let mut t = first;
        while t <= last {
            for (ti, tg) in targets.iter().enumerate() {
                for (i, rule) in self.rules.iter().enumerate() {
                    if !rule.applies_to(tg.server) {
                        continue;
                    }
                    let value = match tg.sel {
                        Some(sel) => {
                            let mut q = |n: &str, w: Window, qs: &[f64]| hq(ti, n, w, qs);
                            rule_value_with(rule, store, tg.server, sel, t, &mut q)
                        }
                        None => Err("no pods behind the endpoint"),
                    };
                    let id = (tg.key.clone(), i);
                    let slot = self.slots.entry(id).or_insert_with(|| Slot {
                        eval: AlertEval::new(rule),
                        seen: false,
                    });
                    slot.seen |= value.is_ok();
                    slot.eval.evaluate_why(t, value);
                }
            }
            t += EVAL_STEP_MS;
        }
        if first <= last {
            self.evaluated_to = Some(last);
        }
    }

    /// Every rule that has had data for an endpoint (or is not inactive), worst first.
    pub fn alerts(&self) -> Vec<EndpointAlert> {
        let mut out: Vec<EndpointAlert> = self
            .slots
            .iter()
            .filter(|(_, s)| s.seen || s.eval.state != AlertState::Inactive)
            .filter_map(|((key, i), s)| {
                let rule = self.rules.get(*i)?;
                Some(EndpointAlert {
                    endpoint: key.clone(),
                    rule: rule.name.clone(),
                    what: what(rule),
                    severity: rule.severity,
                    summary: rule.summary.clone(),
                    op: rule.op,
                    threshold: rule.threshold,
                    state: s.eval.state,
                    value: s.eval.last_value,
                    paused: s.eval.paused,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.rank()
                .cmp(&b.rank())
                .then_with(|| a.endpoint.cmp(&b.endpoint))
                .then_with(|| a.rule.cmp(&b.rule))
        });
        out
    }
}

/// A rule's measure in a few characters, for the pane's STATUS column.
pub fn what(rule: &AlertRule) -> String {
    let op = match rule.op {
        Op::Above => ">",
        Op::Below => "<",
    };
    let t = rule.threshold;
    match &rule.kind {
        RuleKind::LatencyQuantile { metric, quantile } => {
            let q = format!("p{}", (quantile * 100.0).round());
            let what = match metric.as_deref() {
                Some(m) if m.contains("first_token") || m.contains("first_response") => {
                    format!("TTFT {q}")
                }
                _ => q,
            };
            format!("{what} {op} {t}s")
        }
        RuleKind::ErrorRatio { .. } => format!("errors {op} {}%", t * 100.0),
        RuleKind::CounterIncrease { metric }
        | RuleKind::Gauge { metric }
        | RuleKind::MeanRatio { metric } => {
            format!("{metric} {op} {t}")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn gauge_rule() -> AlertRule {
        let text = r#"
[[rule]]
name = "QueueTooLong"
kind = "gauge"
metric = "vllm:num_requests_waiting"
threshold = 50
window = "1m"
for = "1m"
servers = ["vllm"]
"#;
        let rules = crate::settings::alerts::load(Some(("test.toml", text))).expect("valid");
        rules
            .into_iter()
            .find(|r| r.name == "QueueTooLong")
            .expect("rule")
    }

    #[test]
    fn steps_on_event_time_across_refreshes_and_restarts_when_time_goes_back() {
        let mut store = MetricStore::default();
        let labels = BTreeMap::from([("pod".to_string(), "p".to_string())]);
        // Breaching from 60 s to 180 s inclusive.
        for t in 0..20i64 {
            let v = if (4..=12).contains(&t) { 80.0 } else { 5.0 };
            store.push("vllm:num_requests_waiting", &labels, t * 15_000, v);
        }
        let key = ObjKey::new("Deployment", "ns", "d");
        let sel = Selector::all().eq("pod", "p");
        let vllm = [Target {
            key: &key,
            server: Server::Vllm,
            sel: Some(&sel),
        }];
        let mut book = AlertBook::with_rules(vec![gauge_rule()]);
        let state = |b: &AlertBook| b.alerts().first().map(|a| a.state);
        book.step(&store, &vllm, 90_000);
        assert_eq!(state(&book), Some(AlertState::Pending { since: 60_000 }));
        book.step(&store, &vllm, 130_000);
        assert_eq!(state(&book), Some(AlertState::Firing { since: 120_000 }));
        book.step(&store, &vllm, 240_000);
        assert_eq!(state(&book), Some(AlertState::Resolved { at: 195_000 }));
        assert_eq!(book.evaluated_to(), Some(240_000));
        // A replay jumped back: the book starts afresh.
        book.step(&store, &vllm, 70_000);
        assert_eq!(state(&book), Some(AlertState::Pending { since: 60_000 }));
        // The rule is for vLLM only; a generic endpoint gets no evaluator.
        let generic = [Target {
            key: &key,
            server: Server::Generic,
            sel: Some(&sel),
        }];
        let mut other = AlertBook::with_rules(vec![gauge_rule()]);
        other.step(&store, &generic, 240_000);
        assert!(other.alerts().is_empty());
    }
}
