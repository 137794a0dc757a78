//! Text sparklines drawn against an objective: one block character per point (the worst of a
//! group of points, so a short breach is never averaged away), in the breach style above the
//! objective; a gap is a dim dot. Also the number formats the Serving pane shares with its
//! drill-down; and plain sparklines and proportional fill bars for the Nodes pane.

use ratatui::style::Style;
use ratatui::text::Span;

use crate::settings::theme::Theme;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `values` squeezed into `width` characters scaled to `0..=max`; points above `objective`
/// in `theme.breach`, others in `theme.sparkline`.
pub fn spans(
    values: &[Option<f64>],
    width: usize,
    max: f64,
    objective: Option<f64>,
    theme: &Theme,
) -> Vec<Span<'static>> {
    if width == 0 || values.is_empty() {
        return Vec::new();
    }
    let group = values.len().div_ceil(width);
    let mut out: Vec<Span<'static>> = Vec::with_capacity(width);
    for chunk in values.chunks(group) {
        let worst = chunk.iter().flatten().copied().reduce(f64::max);
        let span = match worst {
            Some(v) if max > 0.0 && v.is_finite() => {
                let level = ((v / max) * 8.0).ceil().clamp(1.0, 8.0) as usize - 1;
                let style = if objective.is_some_and(|o| v > o) {
                    theme.breach
                } else {
                    theme.sparkline
                };
                Span::styled(BARS[level].to_string(), style)
            }
            Some(_) => Span::styled(BARS[0].to_string(), theme.sparkline),
            None => Span::styled("·", theme.dim),
        };
        out.push(span);
    }
    out
}

/// Seconds as `850ms`, `8.3s`, `123s`.
pub fn secs(v: f64) -> String {
    if v < 1.0 {
        format!("{:.0}ms", v * 1000.0)
    } else if v < 100.0 {
        format!("{v:.1}s")
    } else {
        format!("{v:.0}s")
    }
}

/// A ratio as a percentage: `0.4%`, `11.0%`.
pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A rate or count: `37.5`, `386`.
pub fn num(v: f64) -> String {
    if v.abs() < 100.0 && v.fract() != 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// The style of a value against an objective it must stay under.
pub fn against(v: f64, objective: Option<f64>, theme: &Theme, ok: Style) -> Style {
    if objective.is_some_and(|o| v > o) {
        theme.breach
    } else {
        ok
    }
}

/// The last `width` values as block characters scaled to `[lo, hi]`; a non-finite value is a
/// space. Empty when there are no values.
pub fn spark(values: &[f64], width: usize, lo: f64, hi: f64) -> String {
    let start = values.len().saturating_sub(width);
    let span = (hi - lo).max(f64::EPSILON);
    values[start..]
        .iter()
        .map(|v| {
            if !v.is_finite() {
                return ' ';
            }
            let f = ((v - lo) / span).clamp(0.0, 1.0);
            BARS[((f * 7.0).round() as usize).min(7)]
        })
        .collect()
}

/// A bar `width` cells wide, `frac` of it filled (clamped to 0..=1).
pub fn bar(frac: f64, width: usize) -> String {
    let f = if frac.is_finite() {
        frac.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let full = (f * width as f64).round() as usize;
    let mut s = "█".repeat(full.min(width));
    s.push_str(&"░".repeat(width - full.min(width)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaches_are_styled_and_groups_keep_the_worst() {
        let t = Theme::plain();
        let v = [Some(1.0), Some(2.0), None, None, Some(8.0), Some(1.0)];
        let s = spans(&v, 3, 8.0, Some(4.0), &t);
        let text: String = s.iter().map(|x| x.content.to_string()).collect();
        assert_eq!(text, "▂·█");
        assert_eq!(s[0].style, t.sparkline);
        assert_eq!(s[1].style, t.dim);
        assert_eq!(s[2].style, t.breach);
        assert!(spans(&v, 0, 8.0, None, &t).is_empty());
    }

    #[test]
    fn formats() {
        assert_eq!(secs(0.85), "850ms");
        assert_eq!(secs(8.34), "8.3s");
        assert_eq!(secs(123.4), "123s");
        assert_eq!(pct(0.11), "11.0%");
        assert_eq!(num(37.52), "37.5");
        assert_eq!(num(386.0), "386");
    }

    #[test]
    fn spark_scales_and_keeps_the_newest() {
        assert_eq!(spark(&[0.0, 50.0, 100.0], 10, 0.0, 100.0), "▁▅█");
        assert_eq!(spark(&[0.0, 50.0, 100.0], 2, 0.0, 100.0), "▅█");
        assert_eq!(spark(&[f64::NAN, 200.0, -5.0], 3, 0.0, 100.0), " █▁");
        assert_eq!(spark(&[], 5, 0.0, 1.0), "");
    }

    #[test]
    fn bar_fills_in_proportion() {
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(2.0, 3), "███");
        assert_eq!(bar(f64::NAN, 2), "░░");
    }
}
