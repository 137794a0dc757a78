//! The head of the Nodes pane: one line per accelerator resource class (total / allocatable /
//! allocated / free / unhealthy), or all classes on one line when the pane is small; the pods
//! waiting for accelerators (and whether any node offers what they ask for); the newest XID.

use ratatui::text::{Line, Span};

use crate::accel::derive::inventory::ResourceClass;
use crate::accel::view::ClassSummary;
use crate::settings::theme::Theme;
use crate::state::AppState;

use crate::accel::pane::qty;

fn class_label(c: ResourceClass) -> &'static str {
    match c {
        ResourceClass::Gpu => "GPU",
        ResourceClass::GpuShared => "GPU shared",
        ResourceClass::Mig => "MIG slices",
        ResourceClass::Npu => "NPU",
    }
}

fn summary_line(s: &ClassSummary, theme: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled(format!("{:<11}", class_label(s.class)), theme.title),
        Span::raw(format!(
            "{} total · {} allocatable · {} allocated · {} free · ",
            qty(s.total),
            qty(s.allocatable),
            qty(s.allocated),
            qty(s.free)
        )),
        Span::styled(
            format!("{} unhealthy", qty(s.unhealthy)),
            if s.unhealthy > 0.0 {
                theme.crit
            } else {
                theme.dim
            },
        ),
        Span::styled(format!("  {} nodes", s.nodes), theme.dim),
    ];
    if s.flagged_nodes > 0 {
        spans.push(Span::styled(
            format!(", {} flagged", s.flagged_nodes),
            theme.warn,
        ));
    }
    Line::from(spans)
}

/// All classes on one line, for a small pane.
fn compact_summary(v: &[ClassSummary], theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, s) in v.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme.dim));
        }
        spans.push(Span::styled(
            format!("{} ", class_label(s.class)),
            theme.title,
        ));
        spans.push(Span::raw(format!(
            "{}/{} used, {} free",
            qty(s.allocated),
            qty(s.allocatable),
            qty(s.free)
        )));
        if s.unhealthy > 0.0 {
            spans.push(Span::styled(
                format!(", {} unhealthy", qty(s.unhealthy)),
                theme.crit,
            ));
        }
    }
    Line::from(spans)
}

pub fn header_lines(state: &AppState, theme: &Theme, compact: bool) -> Vec<Line<'static>> {
    let v = &state.accel;
    let mut lines: Vec<Line> = if compact && !v.summary.is_empty() {
        vec![compact_summary(&v.summary, theme)]
    } else {
        v.summary.iter().map(|s| summary_line(s, theme)).collect()
    };
    if lines.is_empty() {
        let text = match &v.local {
            Some(m) => format!(
                "{}: {} GPU(s) read through NVML (driver {}) · not a Kubernetes node, \
                 nothing allocated through a device plugin",
                m.host, m.gpus, m.driver_version
            ),
            None => "no accelerator resources on any node".to_string(),
        };
        lines.push(Line::from(Span::styled(text, theme.dim)));
    }
    const PENDING_SHOWN: usize = 3;
    for p in v.pending.iter().take(PENDING_SHOWN) {
        let why = if p.offered_by == 0 {
            "no node offers this resource".to_string()
        } else {
            format!("{} nodes offer it, {} free", p.offered_by, qty(p.free))
        };
        lines.push(Line::from(vec![
            Span::styled("Pending ", theme.warn),
            Span::raw(format!(
                "{}/{} wants {} {}: ",
                p.namespace,
                p.name,
                qty(p.quantity),
                p.resource
            )),
            Span::styled(
                why,
                if p.offered_by == 0 {
                    theme.crit
                } else {
                    theme.warn
                },
            ),
        ]));
    }
    if v.pending.len() > PENDING_SHOWN {
        lines.push(Line::from(Span::styled(
            format!(
                "… {} more pending requests for accelerators",
                v.pending.len() - PENDING_SHOWN
            ),
            theme.warn,
        )));
    }
    if let Some(x) = v.xids.first() {
        let name = x.info.map_or("not in the XID table", |i| i.name);
        let sev = x.info.map(|i| i.severity);
        let more = match v.xids.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("XID {} ", x.xid), theme.severity_or_ok(sev)),
            Span::raw(format!(
                "{name} on {}/{} → {}{more}",
                x.node, x.device, x.pod
            )),
        ]));
    }
    lines
}
