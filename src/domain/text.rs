//! Small number formats every layer writes the same way: counts with thousands separators
//! (sources' health messages, the attention list) and `mm:ss` offsets (the scenario table,
//! `:seek`).

use crate::domain::Millis;

/// `mm:ss` for a duration in milliseconds (minutes keep counting past the hour).
pub fn mmss(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// `40000` as `40,000`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(40_000), "40,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn mmss_formats_minutes_and_seconds() {
        assert_eq!(mmss(0), "00:00");
        assert_eq!(mmss(65_999), "01:05");
        assert_eq!(mmss(3_600_000), "60:00");
        assert_eq!(mmss(-5), "00:00");
    }
}
