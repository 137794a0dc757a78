//! Durations as people write them in config files, rule files, flags and commands: a whole
//! number and a unit (`250ms`, `90s`, `5m`, `1h`, `1d`). The one parser every layer uses.

/// A duration that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad duration {text:?}: {why}")]
pub struct DurationError {
    pub text: String,
    pub why: &'static str,
}

/// `250ms`, `90s`, `5m`, `1h` or `1d` into milliseconds.
pub fn parse_ms(text: &str) -> Result<u64, DurationError> {
    let bad = |why| DurationError {
        text: text.to_string(),
        why,
    };
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| bad("expected a number and a unit, like \"2m\""))?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad("the unit must be ms, s, m, h or d")),
    };
    n.checked_mul(scale).ok_or_else(|| bad("too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_errors() {
        assert_eq!(parse_ms("250ms"), Ok(250));
        assert_eq!(parse_ms(" 90s "), Ok(90_000));
        assert_eq!(parse_ms("5m"), Ok(300_000));
        assert_eq!(parse_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_ms("2d"), Ok(172_800_000));
        assert_eq!(
            parse_ms("2").map_err(|e| e.to_string()),
            Err("bad duration \"2\": the unit must be ms, s, m, h or d".to_string())
        );
        assert!(parse_ms("m").is_err());
        assert!(parse_ms("5w").is_err());
        assert!(parse_ms("99999999999999999999h").is_err());
    }
}
