//! Small text helpers shared by panes: filter matching (`Needle`, from `state::filter`),
//! match highlighting, ages relative to the event clock, and durations.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::Millis;
pub use crate::state::filter::Needle;

/// Whether a row with these fields passes an optional filter.
pub fn passes(needle: Option<&Needle>, fields: &[&str]) -> bool {
    needle.is_none_or(|n| n.any(fields))
}

/// `text` as a line in `base`, every filter match in `hl`.
pub fn highlighted(text: String, needle: Option<&Needle>, base: Style, hl: Style) -> Line<'static> {
    let Some(n) = needle else {
        return Line::from(Span::styled(text, base));
    };
    let mut spans = Vec::new();
    let mut rest = text.as_str();
    while let Some((i, len)) = n.find(rest).filter(|(_, len)| *len > 0) {
        if i > 0 {
            spans.push(Span::styled(rest[..i].to_string(), base));
        }
        spans.push(Span::styled(rest[i..i + len].to_string(), hl));
        rest = &rest[i + len..];
    }
    if !rest.is_empty() || spans.is_empty() {
        spans.push(Span::styled(rest.to_string(), base));
    }
    Line::from(spans)
}

/// kubectl-style age of `then` at `now`: `45s`, `12m`, `3h`, `5d`; `-` when unknown.
pub fn age(now_ms: Millis, then: Option<Millis>) -> String {
    let Some(then) = then else {
        return "-".to_string();
    };
    let s = (now_ms - then).max(0) / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// `MM:SS`, or `H:MM:SS` past an hour.
pub fn clock_span(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC (`----` when out of range).
pub fn utc(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "----".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needle_is_case_insensitive_and_empty_matches_all() {
        let n = Needle::new("GPU").expect("non-empty");
        assert!(n.matches("node-gpu-1"));
        assert!(!n.matches("cpu-node"));
        assert!(Needle::new("  ").is_none());
        assert!(passes(None, &["x"]));
        assert!(!passes(Some(&n), &["a", "b"]));
    }

    #[test]
    fn highlight_splits_every_match() {
        let n = Needle::new("ab").expect("non-empty");
        let l = highlighted(
            "xAByab".into(),
            Some(&n),
            Style::default(),
            Style::default(),
        );
        let parts: Vec<_> = l.spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(parts, ["x", "AB", "y", "ab"]);
    }

    #[test]
    fn ages_and_clocks() {
        assert_eq!(age(61_000, Some(0)), "1m");
        assert_eq!(age(0, Some(5_000)), "0s");
        assert_eq!(age(0, None), "-");
        assert_eq!(age(90_000_000, Some(0)), "1d");
        assert_eq!(clock_span(83_000), "01:23");
        assert_eq!(clock_span(3_723_000), "1:02:03");
        assert_eq!(utc(0), "1970-01-01 00:00:00");
    }
}
