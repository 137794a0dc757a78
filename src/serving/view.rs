//! Derived view state for the Serving pane (endpoints with latency quantiles, objectives and alert states).
//! Recomputed by `refresh` on a tick after the world changed (never per frame); pane-specific
//! actions arrive through `on_action` while the pane has focus.
//!
//! Per endpoint discovered among the raw objects: its pods, its stats over the last five
//! minutes, a series over the last fifteen (latency percentiles, request rate, error ratio), the
//! objectives its alert rules set, and the alert states (`serving_alerts`), which the triage
//! engine reads from `state.serving.alerts`. Histogram quantiles (the stats' percentiles, the
//! sparkline points, the alert rules' latencies) come from the bucket indexes the view keeps
//! per histogram (`serving_hist`), rebuilt only when the store gained series of it; the other
//! figures from the selector path (`serving::derive::objectives`).

pub mod alerts;
pub mod fresh;
pub mod hist;
pub mod pods;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::domain::Millis;
use crate::domain::{ObjKey, PodInfo};
use crate::serving::derive::endpoints::{Endpoint, discover};
use crate::serving::derive::histogram::{Gap, Selector, Window, select};
use crate::serving::derive::objectives::{
    EndpointStats, NoStats, Stat, endpoint_stats_with, rate_and_errors,
};
use crate::serving::view::hist::{EndpointHists, HistCache};
use crate::settings::alerts::{AlertRule, RuleKind};
use crate::state::AppState;
use crate::world::metrics::MetricStore;

pub use crate::serving::view::alerts::{AlertBook, EndpointAlert, Target};

/// The window the row's figures are computed over (the alert rules' `[5m]`).
pub const STATS_WINDOW_MS: Millis = 5 * 60_000;
/// The span the sparklines and the drill-down chart cover.
pub const SERIES_SPAN_MS: Millis = 15 * 60_000;
/// One sparkline point per step.
pub const SERIES_STEP_MS: Millis = 30_000;
/// Each point's rate window (`[2m]`): short enough to show a change as it happens.
pub const SERIES_RANGE_MS: Millis = 2 * 60_000;

/// The thresholds an endpoint's rules set on what the pane shows (seconds, ratio).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Objectives {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub err_ratio: Option<f64>,
}

/// One step of an endpoint's series; `None` where the step had no data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: Millis,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    /// Requests per second.
    pub rate: Option<f64>,
    pub err_ratio: Option<f64>,
}

/// A pod behind an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct PodRow {
    pub name: String,
    pub status: String,
    pub ready: String,
    pub restarts: u32,
    pub node: Option<String>,
    /// `pod-template-hash` (Deployments) or `controller-revision-hash` (StatefulSets).
    pub revision: Option<String>,
    pub image: Option<String>,
}

/// Everything the pane and its drill-down show about one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointView {
    pub endpoint: Endpoint,
    /// The first container image of the pod template.
    pub image: Option<String>,
    pub pods: Vec<PodRow>,
    /// Figures over `STATS_WINDOW_MS`, or why there are none at all.
    pub stats: Result<EndpointStats, NoStats>,
    /// Over `SERIES_SPAN_MS`, oldest first.
    pub series: Vec<Point>,
    /// Why the latency series is empty, when it is.
    pub series_gap: Option<String>,
    pub objectives: Objectives,
    /// The figures are stale (`fresh::age_out`): the time of their newest sample.
    pub stale_since: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServingView {
    pub endpoints: Vec<EndpointView>,
    /// Alert states of every endpoint (rules that had data, or are not inactive), worst first.
    pub alerts: Vec<EndpointAlert>,
    /// Why the alert rules are not evaluated, if they are not.
    pub rules_error: Option<String>,
    /// Event time of the refresh.
    pub at: Millis,
    book: AlertBook,
    /// Pods seen behind each endpoint, with when last seen: a pod replaced by a rollout still
    /// counts for the windows that cover its samples (as a label selector would in PromQL).
    members: BTreeMap<ObjKey, BTreeMap<String, Millis>>,
    /// The latency histograms indexed by namespace and pod, kept while the store keeps them.
    pub hist: HistCache,
}

impl ServingView {
    /// The alert states of one endpoint, worst first.
    pub fn alerts_of<'a>(
        &'a self,
        key: &'a ObjKey,
    ) -> impl Iterator<Item = &'a EndpointAlert> + 'a {
        self.alerts.iter().filter(move |a| &a.endpoint == key)
    }

    /// Endpoints with a firing alert (the header's "endpoints breaching"); `None` while no
    /// alert rule has data for any endpoint (nothing is measured, so nothing is claimed).
    pub fn breaching(&self) -> Option<usize> {
        if self.alerts.is_empty() {
            return None;
        }
        let firing = |e: &&EndpointView| {
            self.alerts_of(&e.endpoint.key).any(|a| {
                matches!(
                    a.state,
                    crate::serving::derive::alert_eval::AlertState::Firing { .. }
                )
            })
        };
        Some(self.endpoints.iter().filter(firing).count())
    }

    /// The rules in force (for tests and the help text).
    pub fn rules(&self) -> &[AlertRule] {
        self.book.rules()
    }

    /// Replace the rules (a user rule file); evaluator state starts afresh.
    pub fn set_rules(&mut self, rules: Vec<AlertRule>) {
        self.book = AlertBook::with_rules(rules);
    }
}

fn stat(s: Stat) -> Option<f64> {
    s.value()
}

fn template_image(objects: &BTreeMap<ObjKey, Value>, ep: &Endpoint) -> Option<String> {
    let o = objects.get(&ep.key)?;
    o.pointer("/spec/template/spec/containers/0/image")
        .or_else(|| o.pointer("/spec/predictor/model/storageUri"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The objectives of `ep` from the rules that apply to it.
fn objectives(
    rules: &[AlertRule],
    ep: &Endpoint,
    stats: Option<&EndpointStats>,
    store: &MetricStore,
    sel: Option<&Selector>,
) -> Objectives {
    let own = stats.and_then(|s| s.latency_metric);
    let latency = |q: f64| {
        rules
            .iter()
            .filter(|r| r.applies_to(ep.server))
            .find_map(|r| match &r.kind {
                RuleKind::LatencyQuantile { metric, quantile } if (*quantile - q).abs() < 1e-9 => {
                    let ours = metric.is_none() || metric.as_deref() == own;
                    ours.then_some(r.threshold)
                }
                _ => None,
            })
    };
    let err_ratio = rules
        .iter()
        .filter(|r| r.applies_to(ep.server))
        .find_map(|r| match &r.kind {
            RuleKind::ErrorRatio { counters: None } => stats
                .is_some_and(|s| s.err_ratio.value().is_some())
                .then_some(r.threshold),
            RuleKind::ErrorRatio {
                counters: Some((_, total)),
            } => sel
                .is_some_and(|sel| !select(store, total, sel).is_empty())
                .then_some(r.threshold),
            _ => None,
        });
    Objectives {
        p50: latency(0.5),
        p95: latency(0.95),
        p99: latency(0.99),
        err_ratio,
    }
}

/// The series of one endpoint at `SERIES_STEP_MS` steps ending at (or just before) `now`.
fn series(
    store: &MetricStore,
    ep: &Endpoint,
    sel: &Selector,
    hists: &mut EndpointHists<'_>,
    now: Millis,
) -> (Vec<Point>, Option<String>) {
    let to = now.div_euclid(SERIES_STEP_MS) * SERIES_STEP_MS;
    let from = to - SERIES_SPAN_MS + SERIES_STEP_MS;
    let lat = hists.sparkline(ep.server, SERIES_RANGE_MS, (from, to, SERIES_STEP_MS));
    let gap = lat.as_ref().err().map(|e| e.to_string());
    let lat = lat.unwrap_or_default();
    let mut out = Vec::with_capacity(lat.len().max(1));
    let mut at = from;
    let mut i = 0;
    while at <= to {
        let q = lat.get(i).filter(|s| s.at == at);
        let v = |k: usize| q.and_then(|s| s.values.get(k)).and_then(|r| r.ok());
        let (rate, err) = rate_and_errors(
            store,
            ep.server,
            sel,
            Window::ending_at(at, SERIES_RANGE_MS),
        );
        out.push(Point {
            at,
            p50: v(0),
            p95: v(1),
            p99: v(2),
            rate: stat(rate),
            err_ratio: stat(err),
        });
        at += SERIES_STEP_MS;
        i += 1;
    }
    (out, gap)
}

/// Recompute the view from `state.world`.
pub fn refresh(state: &mut AppState) {
    let rules = state.rules().map(|r| r.alerts.as_slice());
    state.serving.book.ensure_loaded(rules);
    let now = if state.now_ms > 0 {
        state.now_ms
    } else {
        state.world.last_event_ms
    };
    if now < state.serving.at {
        state.serving.members.clear();
        state.serving.hist.clear();
    }
    let w = &state.world;
    let found = discover(&w.objects);
    let rule_metrics: Vec<&str> = state
        .serving
        .book
        .rules()
        .iter()
        .filter_map(|r| match &r.kind {
            RuleKind::LatencyQuantile {
                metric: Some(m), ..
            } => Some(m.as_str()),
            _ => None,
        })
        .collect();
    state
        .serving
        .hist
        .update(&w.metrics, found.iter().map(|e| e.server), rule_metrics);
    let hist = &state.serving.hist;
    let members = &mut state.serving.members;
    members.retain(|k, _| found.iter().any(|e| &e.key == k));
    let mut by_ns: BTreeMap<&str, Vec<&PodInfo>> = BTreeMap::new();
    for p in w.pods.values() {
        by_ns.entry(p.namespace.as_str()).or_default().push(p);
    }
    let mut sels: Vec<Option<Selector>> = Vec::with_capacity(found.len());
    let mut all_hists: Vec<EndpointHists<'_>> = Vec::with_capacity(found.len());
    let mut endpoints = Vec::with_capacity(found.len());
    for ep in found {
        let pods: Vec<&PodInfo> = by_ns
            .get(ep.key.namespace.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| {
                !ep.pod_labels.is_empty()
                    && ep
                        .pod_labels
                        .iter()
                        .all(|(k, v)| p.labels.get(k) == Some(v))
            })
            .collect();
        let seen = members.entry(ep.key.clone()).or_default();
        for p in &pods {
            seen.insert(p.name.clone(), now);
        }
        seen.retain(|_, at| now - *at <= SERIES_SPAN_MS);
        let sel = (!pods.is_empty()).then(|| {
            Selector::all()
                .eq("namespace", &ep.key.namespace)
                .one_of("pod", seen.keys().cloned().collect::<Vec<String>>())
        });
        let mut hists = hist.endpoint(
            &w.metrics,
            &ep.key.namespace,
            seen.keys().map(|p| p.as_str()),
        );
        let mut stats = match &sel {
            Some(sel) => Ok(endpoint_stats_with(
                &w.metrics,
                ep.server,
                sel,
                now,
                STATS_WINDOW_MS,
                &mut |name, w, qs| hists.quantiles(name, w, qs),
            )),
            None if ep.pod_labels.is_empty() => Err(NoStats::NoPodSelector),
            None => Err(NoStats::NoPods),
        };
        let stale_since = fresh::age_out(&w.metrics, sel.as_ref(), stats.as_mut().ok(), now);
        let (series, series_gap) = match &sel {
            Some(sel) => series(&w.metrics, &ep, sel, &mut hists, now),
            None => (Vec::new(), stats.as_ref().err().map(ToString::to_string)),
        };
        let objectives = objectives(
            state.serving.book.rules(),
            &ep,
            stats.as_ref().ok(),
            &w.metrics,
            sel.as_ref(),
        );
        endpoints.push(EndpointView {
            image: template_image(&w.objects, &ep),
            pods: pods.into_iter().map(pods::pod_row).collect(),
            stats,
            series,
            series_gap,
            objectives,
            stale_since,
            endpoint: ep,
        });
        sels.push(sel);
        all_hists.push(hists);
    }
    let targets: Vec<Target> = endpoints
        .iter()
        .zip(&sels)
        .map(|(e, s)| Target {
            key: &e.endpoint.key,
            server: e.endpoint.server,
            sel: s.as_ref(),
        })
        .collect();
    let mut hq = |i: usize, name: &str, w: Window, qs: &[f64]| match all_hists.get_mut(i) {
        Some(h) => h.quantiles(name, w, qs),
        None => vec![Err(Gap::NoSeries); qs.len()],
    };
    let book = &mut state.serving.book;
    book.step_with(&w.metrics, &targets, now, &mut hq);
    let view = &mut state.serving;
    view.alerts = view.book.alerts();
    view.rules_error = view.book.error.clone();
    view.at = now;
    view.endpoints = endpoints;
}

/// Handle an action while this pane has focus; `None` leaves it to the generic handling.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    pods::on_action(state, action)
}
