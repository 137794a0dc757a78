//! Configuration: the settings (`Config`) of `assets/config.toml`, embedded and the only source
//! of defaults, with the text of the user's `config.toml` merged over it key by key. Unknown keys
//! and wrong types are errors naming the key and the file. Parses text only: the user's file is
//! read by `shell::settings_files`, and `shell::tuning` turns a `Config` into what a session
//! runs with.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::contract::event::SPEEDS;
use crate::domain::duration::parse_ms;
use crate::domain::severity::Severity;

pub use crate::settings::paths::{Paths, PathsError};

/// The embedded default configuration (every key, commented).
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");
/// How errors in the embedded configuration name it.
pub const DEFAULT_ORIGIN: &str = "assets/config.toml";

/// A configuration that cannot be used: the file, and what is wrong (naming the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ConfigError {
    pub file: String,
    pub problem: ConfigProblem,
}

/// What is wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    #[error("cannot read it: {0}")]
    Unreadable(String),
    /// Not TOML (the parser's message, with its line).
    #[error("{0}")]
    Syntax(String),
    #[error("unknown key {key:?} (known here: {known})")]
    UnknownKey { key: String, known: String },
    #[error("{key} must be {expected}, not {found}")]
    WrongType {
        key: String,
        expected: String,
        found: String,
    },
    #[error("missing [{0}]")]
    Missing(String),
    /// A value the section's type rejects (an unknown severity, a bad duration ...).
    #[error("{key}: {message}")]
    BadValue { key: String, message: String },
    #[error("{key} must be {allowed}, not {value}")]
    OutOfRange {
        key: String,
        allowed: String,
        value: String,
    },
}

/// All settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub ui: UiConfig,
    pub replay: ReplayConfig,
    pub logs: LogsConfig,
    pub metrics: MetricsConfig,
    pub training: TrainingConfig,
    pub thresholds: Thresholds,
}

/// The sections, as written in the file.
const SECTIONS: &[&str] = &["ui", "replay", "logs", "metrics", "training", "thresholds"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// Built-in theme name, user theme name, or path (see `shell::settings_files::theme`).
    pub theme: String,
    /// Milliseconds between the clock ticks of a live session.
    pub tick_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    /// Speed at start, one of `contract::event::SPEEDS`.
    pub speed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// Byte budget of the log store.
    pub max_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Points kept per metric series.
    pub points: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    /// How long a job's pod may stay Pending, or crash-loop, before the job is Stuck or
    /// Failing, in milliseconds (written "5m").
    #[serde(
        rename = "stuck_after",
        deserialize_with = "de_duration",
        serialize_with = "ser_duration"
    )]
    pub stuck_after_ms: u64,
}

/// Device alert thresholds (values from the seed alert rules; see `assets/config.toml`). The
/// serving objectives are alert rules (`assets/alerts.toml`), not thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub gpu_temp: Threshold,
    pub gpu_util: Threshold,
    pub gpu_mem: Threshold,
    pub gpu_idle: Threshold,
    pub npu_mem: Threshold,
}

/// "value is above/below `value` for `for_ms`" raises an alert of `severity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub when: Direction,
    pub value: f64,
    /// How long the condition must hold, in milliseconds (written "2m", "90s", "1h").
    #[serde(
        rename = "for",
        deserialize_with = "de_duration",
        serialize_with = "ser_duration"
    )]
    pub for_ms: u64,
    pub severity: Severity,
}

impl Threshold {
    /// Whether a value breaches the threshold (the `for` window is the caller's to track).
    pub fn breached(&self, v: f64) -> bool {
        self.when.beyond(v, self.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Above,
    Below,
}

impl Direction {
    /// Whether `v` is past `limit` in this direction.
    pub fn beyond(self, v: f64, limit: f64) -> bool {
        match self {
            Direction::Above => v > limit,
            Direction::Below => v < limit,
        }
    }

    /// `>` or `<`, for texts.
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::Above => ">",
            Direction::Below => "<",
        }
    }
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    parse_ms(&s).map_err(serde::de::Error::custom)
}

fn ser_duration<S: serde::Serializer>(ms: &u64, s: S) -> Result<S::Ok, S::Error> {
    let ms = *ms;
    let text = if ms > 0 && ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms > 0 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    };
    s.serialize_str(&text)
}

impl Config {
    /// The embedded defaults.
    pub fn defaults() -> Result<Config, ConfigError> {
        let table = parse_table(DEFAULT_CONFIG, DEFAULT_ORIGIN)?;
        from_table(table, DEFAULT_ORIGIN)
    }

    /// The embedded defaults, parsed once (what code without a loaded configuration uses).
    pub fn embedded() -> Result<&'static Config, &'static ConfigError> {
        static C: OnceLock<Result<Config, ConfigError>> = OnceLock::new();
        C.get_or_init(Config::defaults).as_ref()
    }

    /// The defaults with a user file's text merged over them; errors name `origin`.
    pub fn from_user_toml(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let mut merged = parse_table(DEFAULT_CONFIG, DEFAULT_ORIGIN)?;
        let user = parse_table(text, origin)?;
        merge(&mut merged, user, "").map_err(|problem| ConfigError {
            file: origin.to_string(),
            problem,
        })?;
        from_table(merged, origin)
    }

    fn validate(&self) -> Result<(), ConfigProblem> {
        let range = |key: &str, allowed: String, value: &dyn std::fmt::Display| {
            Err(ConfigProblem::OutOfRange {
                key: key.to_string(),
                allowed,
                value: value.to_string(),
            })
        };
        if !(10..=5000).contains(&self.ui.tick_ms) {
            return range("ui.tick_ms", "10 to 5000".into(), &self.ui.tick_ms);
        }
        if !SPEEDS.contains(&self.replay.speed) {
            return range(
                "replay.speed",
                format!("one of {SPEEDS:?}"),
                &self.replay.speed,
            );
        }
        if self.logs.max_bytes < 1024 {
            return range(
                "logs.max_bytes",
                "at least 1024".into(),
                &self.logs.max_bytes,
            );
        }
        if self.metrics.points < 2 {
            return range("metrics.points", "at least 2".into(), &self.metrics.points);
        }
        Ok(())
    }
}

fn parse_table(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError {
        file: origin.to_string(),
        problem: ConfigProblem::Syntax(e.to_string().trim_end().to_string()),
    })
}

/// Deserialize section by section so that a bad value is reported with its key.
fn from_table(table: toml::Table, origin: &str) -> Result<Config, ConfigError> {
    fn part<T: DeserializeOwned>(
        t: &toml::Table,
        key: &str,
        label: &str,
    ) -> Result<T, ConfigProblem> {
        let v = t
            .get(key)
            .cloned()
            .ok_or_else(|| ConfigProblem::Missing(label.to_string()))?;
        v.try_into::<T>().map_err(|e| ConfigProblem::BadValue {
            key: label.to_string(),
            message: e.message().trim_end().to_string(),
        })
    }
    let in_file = |problem: ConfigProblem| ConfigError {
        file: origin.to_string(),
        problem,
    };
    if let Some(unknown) = table.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
        return Err(in_file(ConfigProblem::UnknownKey {
            key: unknown.clone(),
            known: SECTIONS.join(", "),
        }));
    }
    let thresholds = match table.get("thresholds") {
        Some(toml::Value::Table(t)) => {
            for key in t.keys() {
                part::<Threshold>(t, key, &format!("thresholds.{key}")).map_err(in_file)?;
            }
            part::<Thresholds>(&table, "thresholds", "thresholds").map_err(in_file)?
        }
        _ => return Err(in_file(ConfigProblem::Missing("thresholds".to_string()))),
    };
    let config = Config {
        ui: part(&table, "ui", "ui").map_err(in_file)?,
        replay: part(&table, "replay", "replay").map_err(in_file)?,
        logs: part(&table, "logs", "logs").map_err(in_file)?,
        metrics: part(&table, "metrics", "metrics").map_err(in_file)?,
        training: part(&table, "training", "training").map_err(in_file)?,
        thresholds,
    };
    config.validate().map_err(in_file)?;
    Ok(config)
}

/// Merge `user` over `base` key by key. Every user key must exist in `base` with the same type
/// (an integer may stand for a float); errors name the dotted key.
fn merge(base: &mut toml::Table, user: toml::Table, prefix: &str) -> Result<(), ConfigProblem> {
    for (key, value) in user {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some(slot) = base.get_mut(&key) else {
            let known: Vec<&str> = base.keys().map(String::as_str).collect();
            return Err(ConfigProblem::UnknownKey {
                key: path,
                known: known.join(", "),
            });
        };
        match (slot, value) {
            (toml::Value::Table(b), toml::Value::Table(u)) => merge(b, u, &path)?,
            (slot @ toml::Value::Float(_), toml::Value::Integer(i)) => {
                *slot = toml::Value::Float(i as f64);
            }
            (slot, value) if slot.same_type(&value) => *slot = value,
            (slot, value) => {
                return Err(ConfigProblem::WrongType {
                    key: path,
                    expected: article(slot.type_str()),
                    found: article(value.type_str()),
                });
            }
        }
    }
    Ok(())
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "array" => format!("an {type_name}"),
        "float" => "a number".to_string(),
        other => format!("a {other}"),
    }
}

#[cfg(test)]
mod tests;
