//! The Serving pane: one row per model endpoint from `state.serving` with p50/p95/p99
//! sparklines drawn against the objective (breaches in the breach style), request rate, error
//! ratio, queue, KV cache, replicas ready/desired, HPA current and bounds, and the worst alert
//! with since-when. Enter opens the endpoint's drill-down (`endpoint_detail`). An endpoint
//! without metrics says `no metrics: <why>`, never a zero.

pub mod detail;
pub mod lists;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use crate::serving::derive::alert_eval::AlertState;
use crate::serving::derive::endpoints::Rollout;
use crate::serving::derive::objectives::Stat;
use crate::serving::view::{EndpointView, Point};
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::spark::{self, against, num, pct, secs};
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &[
    "ENDPOINT", "SERVER", "READY", "HPA", "P50", "P95", "P99", "RPS", "ERR", "QUEUE", "KV",
    "STATUS",
];
/// Characters of sparkline per latency column.
const SPARK_W: usize = 5;

/// The endpoints the pane lists, filtered and sorted as the UI asks (the drill-down opens the
/// selected one of these).
pub fn rows(state: &AppState) -> Vec<&EndpointView> {
    let pane = Pane::Serving;
    let needle = Needle::new(state.ui.filter(pane));
    let mut v: Vec<&EndpointView> = state
        .serving
        .endpoints
        .iter()
        .filter(|e| {
            let k = &e.endpoint.key;
            needle
                .as_ref()
                .is_none_or(|n| n.any(&[&k.name, &k.namespace, e.endpoint.server.label()]))
        })
        .collect();
    let sort = state.ui.sort(pane);
    let value = |s: fn(&crate::serving::derive::objectives::EndpointStats) -> Stat,
                 e: &EndpointView| {
        e.stats.as_ref().ok().and_then(|x| s(x).value())
    };
    let worst = |e: &EndpointView| {
        state
            .serving
            .alerts_of(&e.endpoint.key)
            .map(|a| a.rank())
            .min()
    };
    match sort.column % 4 {
        1 => v.sort_by(|a, b| value(|s| s.p99, b).total_cmp_opt(value(|s| s.p99, a))),
        2 => v.sort_by(|a, b| value(|s| s.err_ratio, b).total_cmp_opt(value(|s| s.err_ratio, a))),
        3 => v.sort_by_key(|e| worst(e)),
        _ => {}
    }
    if sort.reverse {
        v.reverse();
    }
    v
}

trait CmpOpt {
    fn total_cmp_opt(self, other: Self) -> std::cmp::Ordering;
}

impl CmpOpt for Option<f64> {
    /// Values before gaps.
    fn total_cmp_opt(self, other: Self) -> std::cmp::Ordering {
        match (self, other) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (None, None) => std::cmp::Ordering::Equal,
        }
    }
}

/// Why an endpoint shows no figures at all, if it shows none.
pub fn no_metrics(e: &EndpointView) -> Option<String> {
    match &e.stats {
        Err(why) => Some(format!("no metrics: {why}")),
        Ok(s) => {
            let figures = [s.p50, s.p99, s.mean, s.req_rate, s.waiting, s.kv_cache];
            if figures.iter().any(|f| f.value().is_some()) {
                return None;
            }
            let why = figures.iter().find_map(|f| match f {
                Stat::Unavailable(w) => Some(*w),
                Stat::Value(_) => None,
            });
            Some(format!("no metrics: {}", why.unwrap_or("nothing exported")))
        }
    }
}

fn latency_cell(
    e: &EndpointView,
    pick: fn(&Point) -> Option<f64>,
    now: Stat,
    objective: Option<f64>,
    max: f64,
    theme: &Theme,
) -> (Line<'static>, usize) {
    let values: Vec<Option<f64>> = e.series.iter().map(pick).collect();
    let mut spans = spark::spans(&values, SPARK_W, max, objective, theme);
    let text = match now {
        Stat::Value(v) => {
            let style = against(v, objective, theme, theme.base);
            Span::styled(format!(" {:>5}", secs(v)), style)
        }
        Stat::Unavailable("stale") => Span::styled(format!(" {:>5}", "stale"), theme.warn),
        Stat::Unavailable(_) => Span::styled(format!(" {:>5}", "n/a"), theme.dim),
    };
    spans.push(text);
    let w = spans.iter().map(|s| s.content.chars().count()).sum();
    (Line::from(spans), w)
}

fn figure(s: Stat, f: fn(f64) -> String, objective: Option<f64>, theme: &Theme) -> Cell<'static> {
    match s {
        Stat::Value(v) => Cell::from(f(v)).style(against(v, objective, theme, theme.base)),
        Stat::Unavailable("stale") => Cell::from("stale").style(theme.warn),
        Stat::Unavailable(_) => Cell::from("n/a").style(theme.dim),
    }
}

/// The STATUS text: the worst alert with since-when, else the rollout, else `ok`.
pub fn status(state: &AppState, e: &EndpointView, theme: &Theme) -> Line<'static> {
    if let Some(since) = e.stale_since {
        let aged = format!("stale {}", age(state.serving.at, Some(since)));
        return Line::from(Span::styled(aged, theme.warn));
    }
    if let Some(why) = no_metrics(e) {
        return Line::from(Span::styled(why, theme.warn));
    }
    let now = state.serving.at;
    let alerts: Vec<_> = state.serving.alerts_of(&e.endpoint.key).collect();
    let active = alerts.iter().filter(|a| a.active()).count();
    if let Some(a) = alerts.first() {
        let (word, since, style) = match a.state {
            AlertState::Firing { since } => ("FIRING", since, theme.crit),
            AlertState::Pending { since } => ("pending", since, theme.warn),
            AlertState::Resolved { at } => ("resolved", at, theme.dim),
            AlertState::Inactive => ("", 0, theme.dim),
        };
        if !word.is_empty() {
            let mut spans = vec![
                Span::styled(format!("{word} {} ", age(now, Some(since))), style),
                Span::styled(a.what.clone(), style),
            ];
            if active > 1 {
                spans.push(Span::styled(format!(" +{}", active - 1), theme.dim));
            }
            return Line::from(spans);
        }
    }
    match &e.endpoint.rollout {
        Rollout::Progressing(why) => {
            Line::from(Span::styled(format!("rollout: {why}"), theme.info))
        }
        Rollout::Stalled(why) => {
            Line::from(Span::styled(format!("rollout stalled: {why}"), theme.warn))
        }
        _ => Line::from(Span::styled("ok", theme.ok)),
    }
}

fn hpa_text(e: &EndpointView) -> (String, bool) {
    let Some(h) = &e.endpoint.hpa else {
        return ("-".into(), false);
    };
    let n = |v: Option<u32>| v.map_or("?".to_string(), |x| x.to_string());
    let at_max = h.current.is_some() && h.current == h.max;
    (
        format!("{} {}-{}", n(h.current), n(h.min), n(h.max)),
        h.limited || at_max,
    )
}

fn row_cells(
    state: &AppState,
    e: &EndpointView,
    needle: Option<&Needle>,
    theme: &Theme,
) -> (Vec<Cell<'static>>, [usize; 3]) {
    let k = &e.endpoint.key;
    let o = e.objectives;
    let max = e
        .series
        .iter()
        .flat_map(|p| [p.p50, p.p95, p.p99])
        .flatten()
        .chain(o.p99.or(o.p95))
        .fold(0.0, f64::max);
    let stat = |f: fn(&crate::serving::derive::objectives::EndpointStats) -> Stat| {
        e.stats.as_ref().map_or(Stat::Unavailable("no metrics"), f)
    };
    let (p50, w50) = latency_cell(e, |p| p.p50, stat(|s| s.p50), o.p50, max, theme);
    let (p95, w95) = latency_cell(e, |p| p.p95, stat(|s| s.p95), o.p95, max, theme);
    let (p99, w99) = latency_cell(e, |p| p.p99, stat(|s| s.p99), o.p99, max, theme);
    let r = &e.endpoint.replicas;
    let desired = r.desired.unwrap_or(0);
    let ready_style = if r.ready < desired {
        theme.warn
    } else {
        theme.ok
    };
    let (hpa, pinned) = hpa_text(e);
    let hl = |s: String| highlighted(s, needle, theme.base, theme.highlight);
    let name = if k.kind == "Deployment" {
        k.name.clone()
    } else {
        format!("{}/{}", short_kind(&k.kind), k.name)
    };
    let cells = vec![
        Cell::from(hl(name)),
        Cell::from(hl(e.endpoint.server.label().to_string())),
        Cell::from(format!("{}/{desired}", r.ready)).style(ready_style),
        Cell::from(hpa).style(if pinned { theme.warn } else { theme.base }),
        Cell::from(p50),
        Cell::from(p95),
        Cell::from(p99),
        figure(stat(|s| s.req_rate), num, None, theme),
        figure(stat(|s| s.err_ratio), pct, o.err_ratio, theme),
        figure(stat(|s| s.waiting), num, None, theme),
        figure(
            stat(|s| s.kv_cache),
            |v| format!("{:.0}%", v * 100.0),
            Some(0.95),
            theme,
        ),
        Cell::from(status(state, e, theme)),
    ];
    (cells, [w50, w95, w99])
}

fn short_kind(kind: &str) -> &str {
    match kind {
        "StatefulSet" => "sts",
        "InferenceService" => "isvc",
        other => other,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Serving;
    let listed = rows(state);
    if state.ui.drilled(pane) {
        let sel = state.ui.selected(pane).min(listed.len().saturating_sub(1));
        if let Some(e) = listed.get(sel) {
            detail::draw(frame, area, state, e, theme);
            return;
        }
    }
    let needle = Needle::new(state.ui.filter(pane));
    let win = table::window(
        state.ui.selected(pane),
        listed.len(),
        table::body_height(area),
    );
    let visible = &listed[win.offset..win.offset + win.len];
    let built: Vec<(Vec<Cell>, [usize; 3], [String; 4])> = visible
        .iter()
        .map(|e| {
            let (cells, w) = row_cells(state, e, needle.as_ref(), theme);
            let k = &e.endpoint.key;
            let texts = [
                k.name.clone(),
                e.endpoint.server.label().to_string(),
                String::new(),
                hpa_text(e).0,
            ];
            (cells, w, texts)
        })
        .collect();
    let texts: Vec<[String; 4]> = built.iter().map(|b| b.2.clone()).collect();
    let col = |i: usize, min: u16, max: u16| table::fitted(HEADERS, texts.iter(), i, min, max);
    let lat = |j: usize| {
        let w = built.iter().map(|b| b.1[j]).max().unwrap_or(3).max(3);
        Constraint::Length(w as u16)
    };
    let widths = vec![
        col(0, 8, 28),
        col(1, 6, 7),
        Constraint::Length(5),
        col(3, 3, 8),
        lat(0),
        lat(1),
        lat(2),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Fill(1),
    ];
    let rows: Vec<Vec<Cell>> = built.into_iter().map(|b| b.0).collect();
    let empty = match &state.serving.rules_error {
        Some(e) => format!("alert rules unavailable: {e}"),
        None => "no model servers seen (vLLM, Triton, TGI, KServe)".into(),
    };
    table::draw_table(
        frame,
        area,
        state,
        theme,
        pane,
        Columns {
            headers: HEADERS,
            widths,
            droppable: &[10, 4, 9, 3, 1, 5, 2, 7],
        },
        Visible {
            rows,
            window: win,
            shown: listed.len(),
            total: state.serving.endpoints.len(),
            empty,
        },
    );
}
