//! A small reader for the Prometheus text exposition format (version 0.0.4): `# HELP` and
//! `# TYPE` lines, samples with optional labels (escaped `\\`, `\"`, `\n` in values; commas and
//! braces inside quoted values), values including `NaN`/`+Inf`/`-Inf`, optional millisecond
//! timestamps. A line that is not valid is reported with its number and what was wrong with it
//! (`LineError`, `SampleError`) and skipped, never fatal.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    /// Milliseconds since the epoch, when the line carries one.
    pub timestamp_ms: Option<i64>,
}

/// Metric family type from a `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// What is wrong with a sample line. Quoted excerpts are clipped to 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// The line does not start with a metric name (the excerpt is the line's start).
    #[error("not a metric name at start of {0:?}")]
    NoName(String),
    #[error("{name}: missing value")]
    MissingValue { name: String },
    #[error("{name}: bad value {text:?}")]
    BadValue { name: String, text: String },
    #[error("{name}: bad timestamp {text:?}")]
    BadTimestamp { name: String, text: String },
    /// Something after the timestamp.
    #[error("{name}: unexpected {text:?} after the value")]
    Trailing { name: String, text: String },
    /// Inside `{...}`, where a label name should start (the excerpt is what follows).
    #[error("bad label name at {0:?}")]
    LabelName(String),
    #[error("label {key}: expected '='")]
    NoEquals { key: String },
    #[error("label {key}: expected '\"'")]
    NoQuote { key: String },
    #[error("label {key}: unterminated value")]
    Unterminated { key: String },
    /// After a label value, neither `,` nor `}` (the excerpt is what follows).
    #[error("expected ',' or '}}' at {0:?}")]
    NoSeparator(String),
}

/// A line that could not be read, 1-based, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct LineError {
    pub line: usize,
    pub error: SampleError,
}

/// Everything read from one exposition text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    pub types: BTreeMap<String, MetricType>,
    pub help: BTreeMap<String, String>,
    pub errors: Vec<LineError>,
}

/// Read a whole exposition text.
pub fn parse(text: &str) -> Exposition {
    let mut out = Exposition::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            read_comment(rest.trim_start(), &mut out);
            continue;
        }
        match parse_sample(line) {
            Ok(s) => out.samples.push(s),
            Err(error) => out.errors.push(LineError { line: i + 1, error }),
        }
    }
    out
}

fn read_comment(rest: &str, out: &mut Exposition) {
    let mut parts = rest.splitn(3, ' ');
    let (Some(kw), Some(name)) = (parts.next(), parts.next()) else {
        return;
    };
    let tail = parts.next().unwrap_or("").trim();
    match kw {
        "HELP" => {
            out.help.insert(name.to_string(), unescape_help(tail));
        }
        "TYPE" => {
            let t = match tail {
                "counter" => MetricType::Counter,
                "gauge" => MetricType::Gauge,
                "histogram" => MetricType::Histogram,
                "summary" => MetricType::Summary,
                _ => MetricType::Untyped,
            };
            out.types.insert(name.to_string(), t);
        }
        _ => {}
    }
}

fn unescape_help(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Read one sample line (no leading `#`).
pub fn parse_sample(line: &str) -> Result<Sample, SampleError> {
    let mut chars = line.char_indices().peekable();
    let end_name = match chars.peek() {
        Some(&(_, c)) if is_name_start(c) => {
            let mut end = line.len();
            for (i, c) in line.char_indices() {
                if !is_name_char(c) {
                    end = i;
                    break;
                }
            }
            end
        }
        _ => return Err(SampleError::NoName(clip(line).to_string())),
    };
    let name = line[..end_name].to_string();
    let mut rest = line[end_name..].trim_start();
    let mut labels = BTreeMap::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = read_labels(r, &mut labels)?;
    }
    let mut fields = rest.split_ascii_whitespace();
    let Some(value_text) = fields.next() else {
        return Err(SampleError::MissingValue { name });
    };
    let Some(value) = parse_value(value_text) else {
        let text = value_text.to_string();
        return Err(SampleError::BadValue { name, text });
    };
    let timestamp_ms = match fields.next() {
        Some(t) => match t.parse::<i64>() {
            Ok(ms) => Some(ms),
            Err(_) => {
                let text = t.to_string();
                return Err(SampleError::BadTimestamp { name, text });
            }
        },
        None => None,
    };
    if let Some(extra) = fields.next() {
        let text = extra.to_string();
        return Err(SampleError::Trailing { name, text });
    }
    Ok(Sample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

/// Read `name="value",...}` and return what follows the closing brace.
fn read_labels<'a>(
    mut s: &'a str,
    labels: &mut BTreeMap<String, String>,
) -> Result<&'a str, SampleError> {
    loop {
        s = s.trim_start();
        if let Some(r) = s.strip_prefix('}') {
            return Ok(r);
        }
        let end = s
            .char_indices()
            .find(|&(_, c)| !is_name_char(c))
            .map(|(i, _)| i)
            .unwrap_or(s.len());
        if end == 0 {
            return Err(SampleError::LabelName(clip(s).to_string()));
        }
        let key = s[..end].to_string();
        s = s[end..].trim_start();
        let Some(r) = s.strip_prefix('=') else {
            return Err(SampleError::NoEquals { key });
        };
        let Some(r) = r.trim_start().strip_prefix('"') else {
            return Err(SampleError::NoQuote { key });
        };
        s = r;
        let mut val = String::new();
        let mut closed = None;
        let mut it = s.char_indices();
        while let Some((i, c)) = it.next() {
            match c {
                '\\' => match it.next() {
                    Some((_, 'n')) => val.push('\n'),
                    Some((_, o)) => val.push(o),
                    None => break,
                },
                '"' => {
                    closed = Some(i + 1);
                    break;
                }
                o => val.push(o),
            }
        }
        let Some(after) = closed else {
            return Err(SampleError::Unterminated { key });
        };
        labels.insert(key, val);
        s = s[after..].trim_start();
        if let Some(r) = s.strip_prefix(',') {
            s = r;
        } else if !s.starts_with('}') {
            return Err(SampleError::NoSeparator(clip(s).to_string()));
        }
    }
}

/// A sample value: a float, or `NaN`, `+Inf`, `-Inf`, `Inf` in any case.
pub fn parse_value(t: &str) -> Option<f64> {
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "+inf" | "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

fn clip(s: &str) -> &str {
    let end = s.char_indices().nth(40).map(|(i, _)| i).unwrap_or(s.len());
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_quotes_commas_and_braces_in_label_values() {
        let s = parse_sample(r#"m{a="x\"y,z}",b="c\\d\ne" , } 1.5 1700000000000"#).expect("parses");
        assert_eq!(s.name, "m");
        assert_eq!(s.labels["a"], "x\"y,z}");
        assert_eq!(s.labels["b"], "c\\d\ne");
        assert_eq!(s.value, 1.5);
        assert_eq!(s.timestamp_ms, Some(1_700_000_000_000));
    }

    #[test]
    fn special_values_and_bare_names() {
        assert!(parse_sample("x NaN").expect("nan").value.is_nan());
        assert_eq!(parse_sample("x +Inf").expect("inf").value, f64::INFINITY);
        assert_eq!(
            parse_sample("x -Inf").expect("-inf").value,
            f64::NEG_INFINITY
        );
        let v = parse_sample("vllm:num_requests_running 8.0").expect("colon name");
        assert_eq!(v.name, "vllm:num_requests_running");
        assert!(v.labels.is_empty());
        assert_eq!(v.timestamp_ms, None);
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let e = parse("# TYPE a counter\n$ curl x\na 1\n...\nb{c=\"1} 2\nd 1 2 3\n");
        assert_eq!(e.samples.len(), 1);
        assert_eq!(e.types["a"], MetricType::Counter);
        let lines: Vec<_> = e.errors.iter().map(|x| x.line).collect();
        assert_eq!(lines, vec![2, 4, 5, 6]);
        assert_eq!(
            e.errors[0].to_string(),
            "line 2: not a metric name at start of \"$ curl x\""
        );
        assert_eq!(
            e.errors[2].error,
            SampleError::Unterminated { key: "c".into() }
        );
        assert_eq!(
            e.errors[3].error,
            SampleError::Trailing {
                name: "d".into(),
                text: "3".into()
            }
        );
    }
}
