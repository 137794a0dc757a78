//! The MIG layout of a node in its drill-down: one line per physical GPU, each GPU instance a
//! block whose width is proportional to its compute slices (out of the GPU's seven), labelled
//! with the profile and the pod holding it; unpartitioned capacity is shaded.

use ratatui::text::{Line, Span};

use crate::accel::derive::mig_layout::{GpuLayout, MigLayout};
use crate::settings::theme::Theme;

/// The block text of one slice in `w` cells: `profile pod`, cut to fit, padded.
fn block_text(profile: &str, pod: Option<&str>, util: Option<f64>, w: usize) -> String {
    let who = pod
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
        .unwrap_or_else(|| "free".to_string());
    let full = match util {
        Some(u) => format!("{profile} {who} {u:.0}%"),
        None => format!("{profile} {who}"),
    };
    // narrow blocks keep the pod: `1g notebook-alice-0` rather than `1g.10gb notebo`
    let mut s = if full.chars().count() > w {
        let short = profile.split('.').next().unwrap_or(profile);
        format!("{short} {who}")
    } else {
        full
    };
    if s.chars().count() > w {
        s = s.chars().take(w).collect();
    }
    format!("{s:<w$}")
}

/// Cells per slice for a GPU drawn `width` cells wide (each block at least 3, sums to at most
/// `width` plus the minimums).
fn widths(g: &GpuLayout, width: usize) -> Vec<usize> {
    let total = g.total_g().max(1) as usize;
    g.slices
        .iter()
        .map(|s| ((s.g as usize * width) / total).max(3))
        .collect()
}

/// One GPU's layout line.
pub fn gpu_line(g: &GpuLayout, width: usize, theme: &Theme) -> Line<'static> {
    let label = format!("gpu{:<3}", g.gpu);
    let avail = width.saturating_sub(label.len() + 1);
    let ws = widths(g, avail);
    let mut spans = vec![
        Span::styled(label, theme.title),
        Span::styled("│", theme.dim),
    ];
    let mut used = 0;
    for (s, w) in g.slices.iter().zip(ws) {
        let inner = w.saturating_sub(1);
        let style = if s.pod.is_some() {
            theme.gauge
        } else {
            theme.dim
        };
        spans.push(Span::styled(
            block_text(&s.profile, s.pod.as_deref(), s.util_pct, inner),
            style,
        ));
        spans.push(Span::styled("│", theme.dim));
        used += w;
    }
    let spare_g = g.total_g().saturating_sub(g.used_g()) as usize;
    if spare_g > 0 {
        let w = (avail * spare_g / g.total_g().max(1) as usize).min(avail.saturating_sub(used));
        if w > 0 {
            spans.push(Span::styled("░".repeat(w), theme.dim));
        }
    }
    Line::from(spans)
}

/// The layout section: a heading with the source note, then a line per GPU.
pub fn lines(layout: &MigLayout, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(vec![
        Span::styled("MIG layout", theme.title),
        Span::styled(
            if layout.inferred {
                " (inferred)"
            } else if layout.note.is_some() {
                // observed from another source than dcgm-exporter; the note names it
                " (observed)"
            } else {
                " (from dcgm-exporter GPU_I_ID series)"
            },
            theme.dim,
        ),
    ])];
    if let Some(note) = &layout.note {
        out.push(Line::from(Span::styled(format!("  {note}"), theme.dim)));
    }
    out.extend(layout.gpus.iter().map(|g| gpu_line(g, width, theme)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accel::derive::mig_layout::Slice;

    fn slice(profile: &str, g: u32, pod: Option<&str>) -> Slice {
        Slice {
            profile: profile.into(),
            g,
            instance: None,
            pod: pod.map(str::to_string),
            util_pct: None,
        }
    }

    #[test]
    fn blocks_are_proportional_to_compute_slices() {
        let g = GpuLayout {
            gpu: "0".into(),
            slices: vec![
                slice("3g.40gb", 3, Some("research/bob-0")),
                slice("2g.20gb", 2, None),
                slice("1g.10gb", 1, None),
                slice("1g.10gb", 1, None),
            ],
        };
        let w = widths(&g, 70);
        assert_eq!(w, vec![30, 20, 10, 10]);
        let line: String = gpu_line(&g, 80, &Theme::plain())
            .spans
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert!(line.contains("3g.40gb bob-0"), "{line}");
        assert!(line.contains("2g.20gb free"), "{line}");
    }
}
