//! Text sparklines and bars: a series drawn as one line of block characters (newest on the
//! right, scaled between fixed bounds so rows compare), and a proportional fill bar.

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

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
            LEVELS[((f * 7.0).round() as usize).min(7)]
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
