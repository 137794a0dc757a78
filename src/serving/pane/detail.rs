//! The Serving pane's drill-down for one endpoint: what runs (server, model, image, revision,
//! rollout, replicas, HPA), every figure with its reason when unavailable, a chart of the
//! window's latency percentiles against the objective (breaching points marked), charts of
//! request rate and error ratio, the alert states with since-when, and the pods behind it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Wrap};

use crate::serving::derive::endpoints::Rollout;
use crate::serving::derive::objectives::{EndpointStats, Stat};
use crate::serving::pane::lists::{alert_lines, pod_lines};
use crate::serving::pane::no_metrics;
use crate::serving::view::{EndpointView, Point};
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::spark::{num, pct, secs};
use crate::ui::widgets::table::pane_block;
use crate::ui::widgets::text::utc;

/// What runs: the server, the endpoint, its model and image.
fn runs_line(e: &EndpointView, theme: &Theme) -> Line<'static> {
    let ep = &e.endpoint;
    let dim = |s: &str| Span::styled(s.to_string(), theme.dim);
    let mut l1 = vec![
        Span::styled(ep.server.label().to_string(), theme.title),
        dim(format!(" {} {}/{}", ep.key.kind, ep.key.namespace, ep.key.name).as_str()),
    ];
    if let Some(m) = &ep.model {
        l1.extend([dim("  model "), Span::raw(m.clone())]);
    }
    if let Some(i) = &e.image {
        l1.extend([dim("  image "), Span::raw(i.clone())]);
    }
    Line::from(l1)
}

/// Replicas, revision, rollout and the HPA (its metrics, whether it is limited).
fn replicas_line(e: &EndpointView, theme: &Theme) -> Line<'static> {
    let ep = &e.endpoint;
    let dim = |s: &str| Span::styled(s.to_string(), theme.dim);
    let r = &ep.replicas;
    let desired = r.desired.unwrap_or(0);
    let mut l2 = vec![
        dim("replicas "),
        Span::styled(
            format!("{}/{desired} ready", r.ready),
            if r.ready < desired {
                theme.warn
            } else {
                theme.ok
            },
        ),
        dim(format!(", {} updated", r.updated).as_str()),
    ];
    if let Some(rev) = &ep.revision {
        l2.extend([dim("  revision "), Span::raw(rev.clone())]);
    }
    let (roll, style) = match &ep.rollout {
        Rollout::Complete => ("complete".to_string(), theme.ok),
        Rollout::Progressing(w) => (format!("progressing: {w}"), theme.info),
        Rollout::Stalled(w) => (format!("stalled: {w}"), theme.warn),
        Rollout::Paused => ("paused".to_string(), theme.warn),
        Rollout::Unknown(w) => (format!("unknown: {w}"), theme.dim),
    };
    l2.extend([dim("  rollout "), Span::styled(roll, style)]);
    if let Some(h) = &ep.hpa {
        let n = |v: Option<u32>| v.map_or("?".to_string(), |x| x.to_string());
        l2.extend([
            dim("  HPA "),
            Span::raw(format!(
                "{} (min {}, max {})",
                n(h.current),
                n(h.min),
                n(h.max)
            )),
        ]);
        for m in &h.metrics {
            let cur = m.current.as_deref().unwrap_or("?");
            l2.push(dim(format!(" on {} (now {cur})", m.target).as_str()));
        }
        if h.limited {
            l2.push(Span::styled(" ScalingLimited", theme.warn));
        }
    }
    Line::from(l2)
}

/// Every figure of the window: its value, or what is unavailable grouped by reason.
fn stats_line(s: &EndpointStats, theme: &Theme) -> Line<'static> {
    let mut l3 = Vec::new();
    let mut missing: Vec<(&str, Vec<&str>)> = Vec::new();
    for (label, v, f) in [
        ("TTFT p95", s.ttft_p95, secs as fn(f64) -> String),
        ("ITL p95", s.itl_p95, secs),
        ("queue p95", s.queue_p95, secs),
        ("running", s.running, num),
        ("waiting", s.waiting, num),
        ("KV", s.kv_cache, pct),
        ("req/s", s.req_rate, num),
        ("errors", s.err_ratio, pct),
    ] {
        match v {
            Stat::Value(x) => l3.extend([
                Span::styled(format!("{label} "), theme.dim),
                Span::styled(f(x), theme.base),
                Span::raw("  "),
            ]),
            Stat::Unavailable(why) => match missing.iter_mut().find(|m| m.0 == why) {
                Some(m) => m.1.push(label),
                None => missing.push((why, vec![label])),
            },
        }
    }
    for (why, labels) in missing {
        l3.push(Span::styled(
            format!("n/a {} ({why})  ", labels.join(", ")),
            theme.dim,
        ));
    }
    Line::from(l3)
}

/// The facts on top of the drill-down: what runs, its replicas and rollout, its figures (or
/// why there are none).
fn facts(e: &EndpointView, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![runs_line(e, theme), replicas_line(e, theme)];
    match (&e.stats, no_metrics(e)) {
        (_, Some(why)) => out.push(Line::from(Span::styled(why, theme.warn))),
        (Ok(s), None) => out.push(stats_line(s, theme)),
        (Err(_), None) => {}
    }
    out
}

fn axis_labels(from: f64, to: f64, theme: &Theme) -> Vec<Span<'static>> {
    let clock = |ms: f64| {
        let t = utc(ms as i64);
        Span::styled(t.get(11..16).unwrap_or("").to_string(), theme.dim)
    };
    vec![clock(from), clock((from + to) / 2.0), clock(to)]
}

fn points(series: &[Point], pick: fn(&Point) -> Option<f64>, k: f64) -> Vec<(f64, f64)> {
    series
        .iter()
        .filter_map(|p| Some((p.at as f64, pick(p)? * k)))
        .collect()
}

/// One chart line: legend name, points, style.
type Line3<'a> = (&'a str, Vec<(f64, f64)>, Style);

/// An objective's line across the chart and the points above it.
type Marks<'a> = (&'a [(f64, f64)], &'a [(f64, f64)]);

/// The points of `lines` above `objective` (none without one).
fn breach_points(lines: &[Line3], objective: Option<f64>) -> Vec<(f64, f64)> {
    match objective {
        Some(o) => lines
            .iter()
            .flat_map(|l| l.1.iter().copied())
            .filter(|p| p.1 > o)
            .collect(),
        None => Vec::new(),
    }
}

/// A dataset per line, then, with an objective, its line and the breach marks.
fn datasets<'a>(
    lines: &'a [Line3],
    objective: Option<Marks<'a>>,
    theme: &Theme,
) -> Vec<Dataset<'a>> {
    let mut sets: Vec<Dataset> = lines
        .iter()
        .map(|(name, pts, style)| {
            Dataset::default()
                .name(name.to_string())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(*style)
                .data(pts)
        })
        .collect();
    if let Some((obj_line, breaches)) = objective {
        sets.push(
            Dataset::default()
                .name("objective")
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.breach)
                .data(obj_line),
        );
        sets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.breach)
                .data(breaches),
        );
    }
    sets
}

#[allow(clippy::too_many_arguments)]
/// A line chart of `lines` (name, points, style) with an optional objective line; points
/// above the objective are marked in the breach style.
fn chart(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[Line3],
    objective: Option<f64>,
    (from, to): (f64, f64),
    unit: fn(f64) -> String,
    empty: &str,
    theme: &Theme,
) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title.to_string(), theme.title));
    let top = lines
        .iter()
        .flat_map(|l| l.1.iter().map(|p| p.1))
        .chain(objective)
        .fold(0.0, f64::max);
    if top <= 0.0 || lines.iter().all(|l| l.1.is_empty()) {
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(Span::styled(empty.to_string(), theme.dim)).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let ymax = top * 1.1;
    let obj_line: Vec<(f64, f64)> = objective
        .map(|o| vec![(from, o), (to, o)])
        .unwrap_or_default();
    let breaches = breach_points(lines, objective);
    let marks = objective.map(|_| (&obj_line[..], &breaches[..]));
    let c = Chart::new(datasets(lines, marks, theme))
        .block(block)
        .style(theme.base)
        .x_axis(
            Axis::default()
                .style(theme.dim)
                .bounds([from, to])
                .labels(axis_labels(from, to, theme)),
        )
        .y_axis(
            Axis::default()
                .style(theme.dim)
                .bounds([0.0, ymax])
                .labels(vec![
                    Span::styled("0", theme.dim),
                    Span::styled(unit(ymax / 2.0), theme.dim),
                    Span::styled(unit(ymax), theme.dim),
                ]),
        );
    frame.render_widget(c, area);
}

/// The latency chart's title: its objective, or why there are no metrics.
fn latency_title(e: &EndpointView) -> String {
    let o = e.objectives;
    match (&e.series_gap, o.p99.or(o.p95)) {
        (Some(why), _) => format!(" latency: no metrics: {why} "),
        (None, Some(obj)) => format!(
            " latency p50 / p95 / p99, objective {} (• breach) ",
            secs(obj)
        ),
        (None, None) => " latency p50 / p95 / p99, no objective ".to_string(),
    }
}

/// What a chart says when it has nothing to draw: why figure `f` is unavailable, or that the
/// window holds no data.
fn no_data(e: &EndpointView, f: fn(&EndpointStats) -> Stat) -> String {
    match e.stats.as_ref().map(f) {
        Ok(Stat::Unavailable(w)) => format!("no metrics: {w}"),
        Err(w) => format!("no metrics: {w}"),
        Ok(Stat::Value(_)) => "no data in the window".to_string(),
    }
}

/// The charts of `e` in `area`: latency on the left, request rate and error ratio on the
/// right (or why there is no series).
fn draw_charts(frame: &mut Frame, area: Rect, e: &EndpointView, theme: &Theme) {
    let (Some(first), Some(last)) = (e.series.first(), e.series.last()) else {
        let why = e.series_gap.clone().unwrap_or_else(|| "no series".into());
        frame.render_widget(
            Paragraph::new(Span::styled(format!("no metrics: {why}"), theme.warn)),
            area,
        );
        return;
    };
    let span = (first.at as f64, last.at as f64);
    let [lat, side] = Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)])
        .spacing(1)
        .areas(area);
    let [rate, errs] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Fill(1)]).areas(side);
    let o = e.objectives;
    chart(
        frame,
        lat,
        &latency_title(e),
        &[
            ("p50", points(&e.series, |p| p.p50, 1.0), theme.dim),
            ("p95", points(&e.series, |p| p.p95, 1.0), theme.sparkline),
            ("p99", points(&e.series, |p| p.p99, 1.0), theme.gauge),
        ],
        o.p99.or(o.p95),
        span,
        secs,
        &no_data(e, |s| s.p99),
        theme,
    );
    chart(
        frame,
        rate,
        " requests/s ",
        &[("req/s", points(&e.series, |p| p.rate, 1.0), theme.sparkline)],
        None,
        span,
        num,
        &no_data(e, |s| s.req_rate),
        theme,
    );
    chart(
        frame,
        errs,
        " errors % ",
        &[(
            "errors",
            points(&e.series, |p| p.err_ratio, 100.0),
            theme.gauge,
        )],
        o.err_ratio.map(|x| x * 100.0),
        span,
        |v| format!("{v:.1}"),
        &no_data(e, |s| s.err_ratio),
        theme,
    );
}

/// Draw the drill-down of `e` into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, e: &EndpointView, theme: &Theme) {
    let block = pane_block(state, theme, Pane::Serving, None).title(Line::from(vec![
        Span::styled(
            format!("› {}/{} ", e.endpoint.key.namespace, e.endpoint.key.name),
            theme.title,
        ),
        Span::styled("Esc back ", theme.dim),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let facts = facts(e, theme);
    let w = usize::from(inner.width.max(1));
    let facts_h: usize = facts.iter().map(|l| l.width().max(1).div_ceil(w)).sum();
    let alerts = alert_lines(state, e, theme);
    let at = crate::serving::view::pods::cursor(state, &e.endpoint.key.name, e.pods.len());
    let pods = pod_lines(e, at, theme);
    let [top, charts, bottom] = Layout::vertical([
        Constraint::Length(facts_h as u16),
        Constraint::Fill(1),
        Constraint::Length((alerts.len() + pods.len() + 1) as u16),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(facts).wrap(Wrap { trim: true }), top);
    let mut rest = alerts;
    rest.push(Line::raw(""));
    rest.extend(pods);
    frame.render_widget(Paragraph::new(rest), bottom);
    draw_charts(frame, charts, e, theme);
}
