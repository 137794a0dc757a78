//! Alert rules as data (`assets/alerts.toml`, embedded; the texts of user files merged over it
//! by rule name) and their validation. Rule kinds are a closed set; each has a threshold, a
//! comparison, a window, a `for` duration, a severity and a summary. The single place for serving
//! objectives; evaluation lives in `alert_eval`. Loaded with the other rule data by
//! `settings::rules`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::Millis;
use crate::domain::duration::parse_ms;
use crate::domain::server::Server;
use crate::domain::severity::Severity;

/// The embedded default rules.
pub const DEFAULT_RULES: &str = include_str!("../../assets/alerts.toml");

/// What a rule measures.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// A quantile of a histogram; `metric` None means the endpoint's own e2e histogram.
    LatencyQuantile {
        metric: Option<String>,
        quantile: f64,
    },
    /// Errors over requests; None means the endpoint server's own counters.
    ErrorRatio { counters: Option<(String, String)> },
    /// Reset-aware increase of a counter over the window (restarts).
    CounterIncrease { metric: String },
    /// The latest value of a gauge, worst series.
    Gauge { metric: String },
    /// `rate(<metric>_sum) / rate(<metric>_count)`.
    MeanRatio { metric: String },
}

/// Comparison with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Above,
    Below,
}

impl Op {
    pub fn breached(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Above => value > threshold,
            Op::Below => value < threshold,
        }
    }
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub name: String,
    pub kind: RuleKind,
    pub op: Op,
    pub threshold: f64,
    pub window_ms: Millis,
    pub for_ms: Millis,
    pub severity: Severity,
    pub summary: String,
    /// The servers whose endpoints the rule applies to; empty: every endpoint.
    pub servers: Vec<Server>,
}

impl AlertRule {
    /// Whether the rule applies to an endpoint running `server`.
    pub fn applies_to(&self, server: Server) -> bool {
        self.servers.is_empty() || self.servers.contains(&server)
    }
}

/// A server as named in rule files (`vllm`, `triton`, `tgi`, `kserve`, `generic`).
pub fn server_named(name: &str) -> Option<Server> {
    match name {
        "vllm" => Some(Server::Vllm),
        "triton" => Some(Server::Triton),
        "tgi" => Some(Server::Tgi),
        "kserve" => Some(Server::Kserve),
        "generic" => Some(Server::Generic),
        _ => None,
    }
}

/// A rule file problem, naming the file and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", rule.as_ref().map(|r| format!("rule {r}: ")).unwrap_or_default())]
pub struct RuleError {
    pub file: String,
    pub rule: Option<String>,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    #[serde(default = "yes")]
    enabled: bool,
    kind: Option<String>,
    metric: Option<String>,
    quantile: Option<f64>,
    errors: Option<String>,
    total: Option<String>,
    op: Option<String>,
    threshold: Option<f64>,
    window: Option<String>,
    #[serde(rename = "for")]
    for_: Option<String>,
    severity: Option<String>,
    summary: Option<String>,
    #[serde(default)]
    servers: Vec<String>,
}

fn yes() -> bool {
    true
}

fn validate(raw: RawRule, file: &str) -> Result<AlertRule, RuleError> {
    let err = |m: String| RuleError {
        file: file.to_string(),
        rule: Some(raw.name.clone()),
        message: m,
    };
    let need =
        |v: &Option<String>, what: &str| v.clone().ok_or_else(|| err(format!("missing `{what}`")));
    let kind_name = need(&raw.kind, "kind")?;
    let kind = match kind_name.as_str() {
        "latency_quantile" => {
            let q = raw
                .quantile
                .ok_or_else(|| err("missing `quantile`".into()))?;
            if !(0.0..=1.0).contains(&q) {
                return Err(err(format!("quantile {q} is outside 0..1")));
            }
            RuleKind::LatencyQuantile {
                metric: raw.metric.clone(),
                quantile: q,
            }
        }
        "error_ratio" => match (&raw.errors, &raw.total) {
            (Some(e), Some(t)) => RuleKind::ErrorRatio {
                counters: Some((e.clone(), t.clone())),
            },
            (None, None) => RuleKind::ErrorRatio { counters: None },
            _ => return Err(err("`errors` and `total` go together".into())),
        },
        "counter_increase" => RuleKind::CounterIncrease {
            metric: need(&raw.metric, "metric")?,
        },
        "gauge" => RuleKind::Gauge {
            metric: need(&raw.metric, "metric")?,
        },
        "mean_ratio" => RuleKind::MeanRatio {
            metric: need(&raw.metric, "metric")?,
        },
        other => {
            return Err(err(format!(
                "unknown kind {other:?} (latency_quantile, error_ratio, counter_increase, gauge, mean_ratio)"
            )));
        }
    };
    let op = match raw.op.as_deref() {
        None | Some(">") => Op::Above,
        Some("<") => Op::Below,
        Some(o) => return Err(err(format!("op {o:?} is not \">\" or \"<\""))),
    };
    let threshold = raw
        .threshold
        .filter(|t| t.is_finite())
        .ok_or_else(|| err("missing or non-finite `threshold`".into()))?;
    let dur = |v: &Option<String>, what: &str, default: Option<Millis>| match v {
        Some(t) => parse_ms(t)
            .ok()
            .and_then(|v| Millis::try_from(v).ok())
            .ok_or_else(|| err(format!("`{what}` {t:?} is not a duration like 5m"))),
        None => default.ok_or_else(|| err(format!("missing `{what}`"))),
    };
    let window_ms = dur(&raw.window, "window", None)?;
    if window_ms <= 0 {
        return Err(err("`window` must be longer than zero".into()));
    }
    let for_ms = dur(&raw.for_, "for", Some(0))?;
    let severity = match raw.severity.as_deref().unwrap_or("warning") {
        "info" => Severity::Info,
        "warning" => Severity::Warning,
        "critical" => Severity::Critical,
        s => {
            return Err(err(format!(
                "severity {s:?} is not info, warning or critical"
            )));
        }
    };
    let servers = raw
        .servers
        .iter()
        .map(|s| {
            server_named(s).ok_or_else(|| {
                err(format!(
                    "server {s:?} is not vllm, triton, tgi, kserve or generic"
                ))
            })
        })
        .collect::<Result<Vec<Server>, RuleError>>()?;
    Ok(AlertRule {
        name: raw.name.clone(),
        kind,
        op,
        threshold,
        window_ms,
        for_ms,
        severity,
        summary: raw.summary.clone().unwrap_or_else(|| raw.name.clone()),
        servers,
    })
}

/// Read one rule file. `Ok` holds rules by name with `None` for `enabled = false`.
fn read(text: &str, file: &str) -> Result<Vec<(String, Option<AlertRule>)>, Vec<RuleError>> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        vec![RuleError {
            file: file.to_string(),
            rule: None,
            message: e.to_string(),
        }]
    })?;
    let (mut out, mut errs) = (Vec::new(), Vec::new());
    for r in raw.rule {
        if out.iter().any(|(n, _)| *n == r.name) {
            errs.push(RuleError {
                file: file.to_string(),
                rule: Some(r.name.clone()),
                message: "defined twice".to_string(),
            });
            continue;
        }
        let name = r.name.clone();
        if !r.enabled {
            out.push((name, None));
            continue;
        }
        match validate(r, file) {
            Ok(rule) => out.push((name, Some(rule))),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// The embedded rules, with user files (file name, text) merged over them by rule name, in order.
pub fn load<'a>(
    user: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<AlertRule>, Vec<RuleError>> {
    let mut merged: BTreeMap<String, (usize, Option<AlertRule>)> = BTreeMap::new();
    let mut files = vec![("assets/alerts.toml", DEFAULT_RULES)];
    files.extend(user);
    let mut errs = Vec::new();
    let mut order = 0;
    for (file, text) in files {
        match read(text, file) {
            Ok(rules) => {
                for (name, rule) in rules {
                    let pos = merged.get(&name).map(|e| e.0).unwrap_or_else(|| {
                        order += 1;
                        order
                    });
                    merged.insert(name, (pos, rule));
                }
            }
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let mut rules: Vec<(usize, AlertRule)> = merged
        .into_values()
        .filter_map(|(p, r)| Some((p, r?)))
        .collect();
    rules.sort_by_key(|r| r.0);
    Ok(rules.into_iter().map(|r| r.1).collect())
}
