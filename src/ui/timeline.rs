//! The replay timeline strip: play state and speed, event density as block characters, the
//! position cursor, and elapsed/total time.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::ui::widgets::text::clock_span;

const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `density` resampled to `width` cells, each a block character scaled to the busiest cell.
pub fn bars(density: &[u32], width: usize) -> Vec<char> {
    if width == 0 {
        return Vec::new();
    }
    let n = density.len();
    let cells: Vec<u64> = (0..width)
        .map(|i| {
            if n == 0 {
                return 0;
            }
            let (a, b) = (i * n / width, ((i + 1) * n / width).max(i * n / width + 1));
            density[a..b.min(n)].iter().map(|&d| u64::from(d)).sum()
        })
        .collect();
    let max = cells.iter().copied().max().unwrap_or(0);
    cells
        .iter()
        .map(|&c| {
            if max == 0 || c == 0 {
                BARS[0]
            } else {
                BARS[(1 + (c * 7) / max).min(8) as usize]
            }
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (Some(info), true) = (&state.replay, area.width > 0 && area.height > 0) else {
        return;
    };
    let status = state.replay_status.unwrap_or_default();
    let play = if status.paused {
        format!(" ⏸ paused ×{} ", status.speed)
    } else {
        format!(" ▶ ×{} ", status.speed.max(1))
    };
    let duration = if status.duration_ms > 0 {
        status.duration_ms
    } else {
        info.duration_ms
    };
    let end = format!(" +{}/{} ", clock_span(status.pos_ms), clock_span(duration));
    let used = play.chars().count() + end.chars().count();
    let width = (area.width as usize).saturating_sub(used);
    let strip = bars(&info.density, width);
    let cursor = if duration > 0 && width > 0 {
        ((status.pos_ms.clamp(0, duration) as i128 * (width as i128 - 1)) / duration as i128)
            as usize
    } else {
        0
    };
    let before: String = strip.iter().take(cursor).collect();
    let at: String = strip
        .get(cursor)
        .map(|c| if *c == ' ' { '│' } else { *c })
        .into_iter()
        .collect();
    let after: String = strip.iter().skip(cursor + 1).collect();
    let line = Line::from(vec![
        Span::styled(play, theme.key),
        Span::styled(before, theme.timeline),
        Span::styled(at, theme.timeline_cursor),
        Span::styled(after, theme.timeline),
        Span::styled(end, theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_cell() {
        assert_eq!(bars(&[0, 1, 8], 3), vec![' ', '▁', '█']);
        assert_eq!(bars(&[0, 4, 8], 3), vec![' ', '▄', '█']);
        assert_eq!(bars(&[5; 10], 2), vec!['█', '█']);
        assert_eq!(bars(&[], 4), vec![' '; 4]);
        assert_eq!(bars(&[1, 2], 6).len(), 6);
        assert!(bars(&[1], 0).is_empty());
    }
}
