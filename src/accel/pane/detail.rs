//! The Nodes pane's drill-down into one node (Enter; Esc goes back): its accelerator facts,
//! agent pods, resources, every health flag and threshold breach, the XIDs it reported decoded
//! (meaning, severity, action) and linked to the pod on that GPU, the MIG layout of each
//! physical GPU, then the device list (`node_devices`: one row per device or NPU chip with
//! sparklines, a cursor moved by ↑/↓ while the drill-down is open, scrolled to stay in view).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::accel::derive::inventory::{DaemonState, NodeAccel};
use crate::accel::derive::labels::AscendCm;
use crate::accel::view::NodeRow;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::table;

use crate::accel::pane::devices;
use crate::accel::pane::qty;

/// Lines the device list keeps (half the pane when that is less) when the node's facts would
/// fill the pane.
const MIN_LIST: u16 = 10;

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
    let s = state.accel.local.as_ref().filter(|m| m.host == n.name)?;
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
            Span::styled(format!("● {:<8} ", s.as_str()), theme.severity(s)),
            Span::raw(f.to_string()),
        ]));
    }
    for b in state.accel.breaches.get(&n.name).into_iter().flatten() {
        out.push(Line::from(vec![
            Span::styled(
                format!("● {:<8} ", b.severity.as_str()),
                theme.severity(b.severity),
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
            Span::styled(format!("XID {} ", x.xid), theme.severity_or_ok(sev)),
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

/// Draw the drill-down of `row` into `area`: the node's facts, flags and MIG layout on top, the
/// device list under them. When both do not fit the list keeps at least `MIN_LIST` lines and
/// scrolls to the device cursor.
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
    if let Some(layout) = state.accel.mig.get(&n.name) {
        lines.push(Line::raw(""));
        lines.extend(crate::accel::pane::mig::lines(
            layout,
            inner.width as usize,
            theme,
        ));
    }
    let mut list = devices::Section::build(state, &row.name, n, theme);
    list.footer.extend(ascend_lines(n, theme));
    let need = u16::try_from(list.height(inner.width)).unwrap_or(u16::MAX);
    // the head may use what the list leaves (at least MIN_LIST lines, and a blank between)
    let keep = need.min(MIN_LIST).min((inner.height / 2).max(3));
    let head_max = inner.height.saturating_sub(keep + 1);
    let head = Paragraph::new(lines).wrap(Wrap { trim: false });
    let head_area = Rect {
        height: head_max,
        ..inner
    };
    let used = devices::rows_used(&head, head_area.width, head_area.height);
    frame.render_widget(head, head_area);
    // a blank line between the head and the list, when there is a head
    let skip = if used == 0 {
        0
    } else {
        (used + 1).min(inner.height)
    };
    let list_area = Rect {
        y: inner.y + skip,
        height: inner.height - skip,
        ..inner
    };
    list.draw(frame, list_area, devices::focused(state), theme);
}
