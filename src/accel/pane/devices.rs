//! The device list of a node's drill-down: a header, one row per device with sparklines of
//! utilisation, memory, temperature and power from the bounded metric history (an Ascend chip
//! also says its health and, under its row, a non-zero `npu_chip_info_error_code`), then a line
//! describing the device under the cursor and the exporters' notes. The list scrolls to keep the
//! cursor (`accel::view::detail`) in view; the header and the lines under it stay put. The pod,
//! chip health and error code of each device come from the view (`AccelView::drilled`).

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::accel::derive::inventory::NodeAccel;
use crate::accel::derive::staleness::Stale;
use crate::accel::derive::telemetry::{DeviceTelemetry, Field, Telemetry, Vendor};
use crate::accel::view::detail::{self, DeviceFacts};
use crate::accel::view::{device_mem_pct, device_stale};
use crate::contract::action::Action;
use crate::settings::keymap::Keymap;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::spark::spark;
use crate::ui::widgets::text::age;
use crate::world::metrics::MetricStore;

/// Points shown per sparkline.
const SPARK: usize = 10;
/// The most rows the lines under the list are measured to (they are clipped beyond).
const FOOTER_MAX: u16 = 64;

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

/// The row of a device that stopped reporting: its name, its pod and since when.
fn stale_line(d: &DeviceTelemetry, pod: &str, silent_ms: i64, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{:<20.20} ", d.label()), theme.crit),
        Span::raw(format!("{pod:<22.22} ")),
        Span::styled(
            format!(
                "stopped reporting {}s before the node's last scrape",
                silent_ms / 1000
            ),
            theme.crit,
        ),
    ])
}

/// The row of a device whose readings are stale: its name, its pod, the age of its newest
/// sample and why (its last values are not shown as current).
fn aged_line(d: &DeviceTelemetry, pod: &str, now: i64, s: Stale, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{:<20.20} ", d.label()), theme.warn),
        Span::raw(format!("{:<22} ", tail_fit(pod, 22))),
        Span::styled(format!("stale {}", age(now, Some(s.since))), theme.warn),
        Span::styled(format!(" · {}", s.why.label()), theme.dim),
    ])
}

/// The line under a chip's row with its non-zero error code (critical on an unhealthy chip).
fn error_line(hex: &str, facts: &DeviceFacts, theme: &Theme) -> Line<'static> {
    let style = if facts.chip_unhealthy == Some(true) {
        theme.crit
    } else {
        theme.warn
    };
    Line::from(vec![
        Span::raw("  └ "),
        Span::styled(format!("err {hex}"), style),
        Span::styled(" npu_chip_info_error_code", theme.dim),
    ])
}

/// The lines of one device: its row, then its error code if it reports one.
fn device_lines(
    state: &AppState,
    n: &NodeAccel,
    d: &DeviceTelemetry,
    facts: &DeviceFacts,
    last_ms: i64,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let store = &state.world.metrics;
    let pod = &facts.pod;
    if let Some(last) = device_stale(d, last_ms) {
        return vec![stale_line(d, pod, last_ms - last, theme)];
    }
    if let Some(s) = facts.stale {
        return vec![aged_line(d, pod, state.accel.at_ms, s, theme)];
    }
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
    let mut label = d.label();
    if let Some(b) = facts.chip_unhealthy {
        label = format!("{label} {}", if b { "UNHEALTHY" } else { "ok" });
    }
    let label_style = if facts.flagged {
        theme.crit
    } else {
        theme.base
    };
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{label:<20.20} "), label_style),
        Span::raw(format!("{:<22} ", tail_fit(pod, 22))),
        Span::styled(cell(&util, 0.0, 100.0, util_now), theme.sparkline),
        Span::raw(" "),
        Span::styled(cell(&mem, 0.0, 100.0, mem_now), theme.sparkline),
        Span::raw(" "),
        Span::styled(cell(&temp, 20.0, 100.0, now(tf)), theme.sparkline),
        Span::raw(" "),
        Span::styled(cell(&power, 0.0, pmax, now(pf)), theme.sparkline),
    ])];
    out.extend(
        facts
            .error_hex
            .as_deref()
            .map(|hex| error_line(hex, facts, theme)),
    );
    out
}

/// The line under the list describing the selected device, and what the copy key (`y`) copies.
fn selected_line(
    copy_key: Option<&str>,
    name: &str,
    d: &DeviceTelemetry,
    at: usize,
    count: usize,
    theme: &Theme,
) -> Line<'static> {
    let copies = match detail::copy_what(d) {
        "name" => format!("\"{}\"", detail::copy_text(name, d)),
        what => format!("the {what}"),
    };
    let mut parts: Vec<String> = d.uuid.iter().cloned().collect();
    if let Some((ns, pod, _)) = &d.pod {
        parts.push(format!("pod {ns}/{pod}"));
    }
    parts.extend(d.model.clone());
    Line::from(vec![
        Span::styled(format!("› {} ", d.label()), theme.title),
        Span::styled(format!("{}/{count}", at + 1), theme.dim),
        Span::styled(
            copy_key.map_or("  ".into(), |k| format!("  {k} copies {copies}  ")),
            theme.key,
        ),
        Span::styled(parts.join(" · "), theme.dim),
    ])
}

/// Rows that `p` fills when drawn `width` cells wide (at most `max`), measured by drawing it
/// aside: wrapped lines take the rows ratatui gives them.
pub fn rows_used(p: &Paragraph, width: u16, max: u16) -> u16 {
    if width == 0 || max == 0 {
        return 0;
    }
    let mut buf = Buffer::empty(Rect::new(0, 0, width, max));
    p.clone().render(buf.area, &mut buf);
    (0..max)
        .rev()
        .find(|y| (0..width).any(|x| buf[(x, *y)].symbol() != " "))
        .map_or(0, |y| y + 1)
}

/// Rows the footer lines take wrapped at `width`, at most `max`.
fn footer_rows(footer: &[Line<'static>], width: u16, max: u16) -> u16 {
    let p = Paragraph::new(footer.to_vec()).wrap(Wrap { trim: false });
    rows_used(&p, width, max)
}

/// The device section of node `n` (drilled as row `name`).
pub struct Section {
    header: Line<'static>,
    /// Each device's lines, in list order.
    rows: Vec<Vec<Line<'static>>>,
    /// The device under the cursor (clamped).
    cursor: Option<usize>,
    /// The line under the list describing that device (cut at the pane's width).
    selected: Option<Line<'static>>,
    /// Lines under that (wrapped): the exporters' notes, then whatever the caller adds.
    pub footer: Vec<Line<'static>>,
}

impl Section {
    pub fn build(state: &AppState, name: &str, n: &NodeAccel, theme: &Theme) -> Section {
        let t = match &n.telemetry {
            Telemetry::Missing(why) => {
                return Section {
                    header: Line::from(Span::styled(why.clone(), theme.warn)),
                    rows: Vec::new(),
                    cursor: None,
                    selected: None,
                    footer: Vec::new(),
                };
            }
            Telemetry::Present(t) => t,
        };
        let header = Line::from(Span::styled(
            format!(
                "{:<20} {:<22} {:<17} {:<17} {:<17} {:<17}",
                "DEVICE", "POD", "UTIL %", "MEM %", "TEMP °C", "POWER W"
            ),
            theme.table_header,
        ));
        let facts = state.accel.device_facts(name);
        let unknown = DeviceFacts::unknown();
        let rows = t
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let f = facts.get(i).unwrap_or(&unknown);
                device_lines(state, n, d, f, t.last_ms, theme)
            })
            .collect();
        let cursor = detail::cursor(state, name, t.devices.len());
        let copy_key = state
            .keymap
            .binding(Action::Copy)
            .filter(|b| !b.keys.is_empty())
            .map(Keymap::keys_label);
        let selected = cursor
            .and_then(|i| Some((i, t.devices.get(i)?)))
            .map(|(i, d)| {
                let key = copy_key.as_deref();
                selected_line(key, name, d, i, t.devices.len(), theme)
            });
        let mut footer = Vec::new();
        let mut notes: Vec<&String> = Vec::new();
        for note in t.devices.iter().flat_map(|d| &d.notes) {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        footer.extend(
            notes
                .into_iter()
                .map(|n| Line::from(Span::styled(format!("note: {n}"), theme.dim))),
        );
        Section {
            header,
            rows,
            cursor,
            selected,
            footer,
        }
    }

    /// Rows needed to show everything `width` cells wide.
    pub fn height(&self, width: u16) -> usize {
        let body: usize = self.rows.iter().map(Vec::len).sum();
        let selected = usize::from(self.selected.is_some());
        1 + body + selected + usize::from(footer_rows(&self.footer, width, FOOTER_MAX))
    }

    /// Draw into `area`: the header, as many device lines as fit with the cursor's in view
    /// (highlighted while `focused`), the selected device's line, then the footer lines
    /// (wrapped) that fit.
    pub fn draw(self, frame: &mut Frame, area: Rect, focused: bool, theme: &Theme) {
        let h = area.height as usize;
        let foot = footer_rows(&self.footer, area.width, FOOTER_MAX) as usize;
        // a pane two rows high shows the selected device and its line, without the header
        let header = h >= 3;
        let fixed = usize::from(header) + usize::from(self.selected.is_some());
        let body_h = h.saturating_sub(fixed + foot).max(1);
        // first and end line of the selected device in the body
        let (mut start, mut end) = (0, 0);
        for (i, r) in self.rows.iter().enumerate() {
            if Some(i) == self.cursor {
                end = start + r.len();
                break;
            }
            start += r.len();
        }
        let offset = end.saturating_sub(body_h).min(start);
        let mut lines = vec![self.header];
        for (i, r) in self.rows.into_iter().enumerate() {
            let selected = focused && Some(i) == self.cursor;
            lines.extend(
                r.into_iter()
                    .map(|l| if selected { l.style(theme.selected) } else { l }),
            );
        }
        let body: Vec<Line> = lines.drain(1..).skip(offset).take(body_h).collect();
        if !header {
            lines.clear();
        }
        lines.extend(body);
        lines.extend(self.selected);
        let top = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .min(area.height);
        frame.render_widget(
            Paragraph::new(lines),
            Rect {
                height: top,
                ..area
            },
        );
        let rest = Rect {
            y: area.y + top,
            height: area.height - top,
            ..area
        };
        let footer = Paragraph::new(self.footer).wrap(Wrap { trim: false });
        frame.render_widget(footer, rest);
    }
}

/// Whether the Nodes pane has focus (the cursor is drawn only then).
pub fn focused(state: &AppState) -> bool {
    state.ui.focus == Pane::Nodes
}
