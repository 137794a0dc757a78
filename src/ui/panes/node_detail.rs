//! The Nodes pane's drill-down into one node (Enter; Esc goes back): its accelerator facts,
//! agent pods, resources, every health flag and threshold breach, the XIDs it reported decoded
//! (meaning, severity, action) and linked to the pod on that GPU, then one row per device with
//! sparklines of utilisation, memory, temperature and power from the bounded metric history,
//! the MIG layout of each physical GPU, and NPU chips with their health and HBM.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::analysis::accel_labels::AscendCm;
use crate::analysis::inventory::{DaemonState, NodeAccel};
use crate::analysis::telemetry::{DeviceTelemetry, Field, Telemetry, Vendor};
use crate::analysis::xid::{PodAttribution, attribute};
use crate::state::AppState;
use crate::state::accel::{NodeRow, device_mem_pct, device_stale};
use crate::state::metrics::MetricStore;
use crate::state::ui::Pane;
use crate::theme::Theme;
use crate::ui::widgets::spark::spark;
use crate::ui::widgets::table;

use super::nodes::{qty, sev_style};

/// Points shown per sparkline.
const SPARK: usize = 10;

fn daemon(label: &str, d: &DaemonState, theme: &Theme) -> Vec<Span<'static>> {
    let (text, style) = match d {
        DaemonState::Running(p) => (
            format!("{}/{} Running ({})", p.namespace, p.name, p.ready),
            theme.ok,
        ),
        DaemonState::NotRunning(p) => (
            format!(
                "{}/{} {} ({} ready)",
                p.namespace, p.name, p.status, p.ready
            ),
            theme.crit,
        ),
        DaemonState::Missing { looked_for } => (format!("none ({looked_for})"), theme.warn),
        DaemonState::NotApplicable => ("n/a".to_string(), theme.dim),
    };
    vec![
        Span::styled(format!("{label}: "), theme.dim),
        Span::styled(text, style),
    ]
}

fn facts(n: &NodeAccel, row: &NodeRow, theme: &Theme) -> Vec<Line<'static>> {
    let mut first = vec![
        Span::styled(n.name.clone(), theme.title),
        Span::raw(format!("  {} {}", n.kind.label(), row.product)),
        Span::styled(
            if n.ready { "  Ready" } else { "  NotReady" },
            if n.ready { theme.ok } else { theme.crit },
        ),
    ];
    if n.cordoned {
        first.push(Span::styled(" cordoned", theme.warn));
    }
    let g = &n.gfd;
    let mut extra = Vec::new();
    if let Some(d) = &g.driver_version {
        extra.push(format!("driver {d}"));
    }
    if g.mig_strategy.is_some() || g.mig_config.is_some() {
        extra.push(format!(
            "MIG {} / {} / {}",
            g.mig_strategy.as_deref().unwrap_or("-"),
            g.mig_config.as_deref().unwrap_or("-"),
            g.mig_config_state.as_deref().unwrap_or("-")
        ));
    }
    if let Some(a) = &n.ascend {
        extra.push(format!(
            "accelerator {} {}",
            a.accelerator.as_deref().unwrap_or("-"),
            a.accelerator_type.as_deref().unwrap_or("")
        ));
    }
    if !extra.is_empty() {
        first.push(Span::styled(format!("  {}", extra.join(" · ")), theme.dim));
    }
    let mut out = vec![Line::from(first)];
    out.push(Line::from(daemon("device plugin", &n.device_plugin, theme)));
    out.push(Line::from(daemon("exporter", &n.exporter, theme)));
    for l in &n.resources {
        let style = if l.unhealthy > 0.0 || l.over_allocated > 0.0 {
            theme.crit
        } else {
            theme.base
        };
        out.push(Line::from(Span::styled(
            format!(
                "{}  capacity {} · allocatable {} · requested {} by {} pods · free {}",
                l.resource,
                qty(l.capacity),
                qty(l.allocatable),
                qty(l.requested),
                l.pods,
                qty(l.free)
            ),
            style,
        )));
    }
    if !n.accel_taints.is_empty() {
        out.push(Line::from(Span::styled(
            format!("taints: {}", n.accel_taints.join(", ")),
            theme.dim,
        )));
    }
    out
}

/// For this machine read through NVML: where the figures come from, instead of Kubernetes.
fn local_line(state: &AppState, n: &NodeAccel, theme: &Theme) -> Option<Line<'static>> {
    let (_, s) = crate::analysis::inventory_local::local_snapshot(&state.world)
        .filter(|(h, _)| *h == n.name)?;
    Some(Line::from(Span::styled(
        format!(
            "local: this machine through NVML · driver {} · CUDA {} · not a Kubernetes node, \
             no allocation",
            s.driver_version, s.cuda_version
        ),
        theme.info,
    )))
}

fn health(state: &AppState, n: &NodeAccel, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for f in &n.flags {
        let s = f.severity();
        out.push(Line::from(vec![
            Span::styled(format!("● {:<8} ", s.label()), sev_style(theme, Some(s))),
            Span::raw(f.to_string()),
        ]));
    }
    for b in state.accel.breaches.get(&n.name).into_iter().flatten() {
        out.push(Line::from(vec![
            Span::styled(
                format!("● {:<8} ", b.severity.label()),
                sev_style(theme, Some(b.severity)),
            ),
            Span::raw(b.text.clone()),
        ]));
    }
    for x in state.accel.xids.iter().filter(|x| x.node == n.name) {
        let (name, sev, action) = x.info.map_or(
            (
                "not in the XID table",
                None,
                "check the kernel log (dmesg) on the node",
            ),
            |i| (i.name, Some(i.severity), i.action),
        );
        out.push(Line::from(vec![
            Span::styled(format!("XID {} ", x.xid), sev_style(theme, sev)),
            Span::raw(format!("{}: {name} → pod {}", x.device, x.pod)),
        ]));
        out.push(Line::from(Span::styled(
            format!("  action: {action}"),
            theme.dim,
        )));
    }
    if out.is_empty() {
        out.push(Line::from(Span::styled("no health flags", theme.ok)));
    }
    out
}

/// `s` in `w` cells, keeping its end (pod names differ in their suffix): `…ce-7d9f8-x2kqp`.
fn tail_fit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n + 1 - w).collect();
    format!("…{tail}")
}

fn hist(d: &DeviceTelemetry, store: &MetricStore, f: Field, scale: f64) -> Vec<f64> {
    d.scaled_history(store, f, scale)
        .into_iter()
        .map(|p| p.1)
        .collect()
}

fn cell(values: &[f64], lo: f64, hi: f64, latest: String) -> String {
    format!(
        "{:<w$} {latest:>6.6}",
        spark(values, SPARK, lo, hi),
        w = SPARK
    )
}

/// Memory history in percent, with the same source as `device_mem_pct`.
fn mem_hist(d: &DeviceTelemetry, store: &MetricStore, gfd_mib: Option<u64>) -> Vec<f64> {
    let total = match (d.value(Field::FbUsed), d.value(Field::FbFree)) {
        (Some(u), Some(f)) => Some(u + f),
        (Some(_), None) => gfd_mib.map(|m| m as f64),
        _ => None,
    };
    if let Some(t) = total.filter(|t| *t > 0.0) {
        return hist(d, store, Field::FbUsed, 100.0 / t);
    }
    let hbm = d.value(Field::NpuHbmTotal).filter(|t| *t > 0.0);
    hbm.map_or_else(Vec::new, |t| hist(d, store, Field::NpuHbmUsed, 100.0 / t))
}

fn chip_health(n: &NodeAccel, d: &DeviceTelemetry) -> Option<(bool, String)> {
    if d.vendor != Vendor::Ascend {
        return None;
    }
    let suffix = format!("-{}", d.key.index);
    let listed = match n.ascend.as_ref().map(|a| &a.device_info) {
        Some(AscendCm::Found(info)) => info.unhealthy.iter().any(|c| c.ends_with(&suffix)),
        _ => false,
    };
    let status = d.value(Field::NpuHealth);
    let bad = listed || status.is_some_and(|s| s != 1.0);
    Some((bad, if bad { "UNHEALTHY" } else { "ok" }.to_string()))
}

fn devices(state: &AppState, n: &NodeAccel, theme: &Theme) -> Vec<Line<'static>> {
    let t = match &n.telemetry {
        Telemetry::Missing(why) => return vec![Line::from(Span::styled(why.clone(), theme.warn))],
        Telemetry::Present(t) => t,
    };
    let store = &state.world.metrics;
    let mut out = vec![Line::from(Span::styled(
        format!(
            "{:<20} {:<22} {:<17} {:<17} {:<17} {:<17}",
            "DEVICE", "POD", "UTIL %", "MEM %", "TEMP °C", "POWER W"
        ),
        theme.table_header,
    ))];
    let mut notes: Vec<String> = Vec::new();
    for d in &t.devices {
        let labelled = d
            .pod
            .as_ref()
            .map(|(ns, p, c)| (ns.as_str(), p.as_str(), c.as_str()));
        let pod = match attribute(labelled, &n.pods) {
            PodAttribution::Labelled { pod, .. } => pod,
            PodAttribution::OnlyPodOnNode { pod, .. } => format!("{pod} (only)"),
            PodAttribution::Unknown(_) => "-".to_string(),
        };
        let util = d
            .util_history(store)
            .into_iter()
            .map(|p| p.1)
            .collect::<Vec<_>>();
        let util_now = d.util_pct().map_or("-".into(), |(v, _)| format!("{v:.0}"));
        let mem = mem_hist(d, store, n.gfd.memory_mib);
        let mem_now = match (d.value(Field::NpuHbmUsed), d.value(Field::NpuHbmTotal)) {
            (Some(u), Some(t)) => format!("{:.0}/{:.0}G", u / 1024.0, t / 1024.0),
            _ => device_mem_pct(d, n.gfd.memory_mib).map_or("-".into(), |v| format!("{v:.0}")),
        };
        let (tf, pf) = match d.vendor {
            Vendor::Nvidia => (Field::GpuTemp, Field::Power),
            Vendor::Ascend => (Field::NpuTemp, Field::NpuPower),
        };
        let temp = hist(d, store, tf, 1.0);
        let power = hist(d, store, pf, 1.0);
        let pmax = power.iter().copied().fold(1.0, f64::max);
        let now = |f: Field| d.value(f).map_or("-".into(), |v| format!("{v:.0}"));
        if let Some(last) = device_stale(d, t.last_ms) {
            out.push(Line::from(vec![
                Span::styled(format!("{:<20.20} ", d.label()), theme.crit),
                Span::raw(format!("{pod:<22.22} ")),
                Span::styled(
                    format!(
                        "stopped reporting {}s before the node's last scrape",
                        (t.last_ms - last) / 1000
                    ),
                    theme.crit,
                ),
            ]));
            continue;
        }
        let mut label = d.label();
        if let Some((_, h)) = chip_health(n, d) {
            label = format!("{label} {h}");
        }
        let bad = chip_health(n, d).is_some_and(|(b, _)| b)
            || n.flags
                .iter()
                .any(|f| f.to_string().starts_with(&format!("{}:", d.label())));
        out.push(Line::from(vec![
            Span::styled(
                format!("{label:<20.20} "),
                if bad { theme.crit } else { theme.base },
            ),
            Span::raw(format!("{:<22} ", tail_fit(&pod, 22))),
            Span::styled(cell(&util, 0.0, 100.0, util_now), theme.sparkline),
            Span::raw(" "),
            Span::styled(cell(&mem, 0.0, 100.0, mem_now), theme.sparkline),
            Span::raw(" "),
            Span::styled(cell(&temp, 20.0, 100.0, now(tf)), theme.sparkline),
            Span::raw(" "),
            Span::styled(cell(&power, 0.0, pmax, now(pf)), theme.sparkline),
        ]));
        for note in &d.notes {
            if !notes.contains(note) {
                notes.push(note.clone());
            }
        }
    }
    out.extend(
        notes
            .into_iter()
            .map(|n| Line::from(Span::styled(format!("note: {n}"), theme.dim))),
    );
    out
}

fn ascend_lines(n: &NodeAccel, theme: &Theme) -> Vec<Line<'static>> {
    let Some(a) = &n.ascend else {
        return Vec::new();
    };
    let text = match &a.device_info {
        AscendCm::Missing => format!(
            "deviceinfo: no ConfigMap mindx-dl-deviceinfo-{} (device plugin not reporting)",
            n.name
        ),
        AscendCm::Unreadable(why) => format!("deviceinfo: unreadable: {why}"),
        AscendCm::Found(i) => {
            let chips: usize = i.devices.values().map(Vec::len).sum();
            format!(
                "deviceinfo: {chips} healthy chips listed · unhealthy: {} · network-unhealthy: {}",
                if i.unhealthy.is_empty() {
                    "none".into()
                } else {
                    i.unhealthy.join(", ")
                },
                if i.network_unhealthy.is_empty() {
                    "none".into()
                } else {
                    i.network_unhealthy.join(", ")
                }
            )
        }
    };
    vec![Line::from(Span::styled(text, theme.dim))]
}

/// Draw the drill-down of `row` into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, row: &NodeRow) {
    let block = table::pane_block(state, theme, Pane::Nodes, None).title_top(Line::from(
        Span::styled(format!(" › {}  Esc back ", row.name), theme.dim),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(n) = state.accel.node(row) else {
        let text = format!(
            "{}: no accelerator resources, labels or device-plugin pods on this node",
            row.name
        );
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), inner);
        return;
    };
    let mut lines = facts(n, row, theme);
    lines.extend(local_line(state, n, theme));
    lines.push(Line::raw(""));
    lines.extend(health(state, n, theme));
    lines.push(Line::raw(""));
    if let Some(layout) = state.accel.mig.get(&n.name) {
        lines.extend(super::node_mig::lines(layout, inner.width as usize, theme));
        lines.push(Line::raw(""));
    }
    lines.extend(devices(state, n, theme));
    lines.extend(ascend_lines(n, theme));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
