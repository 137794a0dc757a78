//! Configuration: where aicockpit keeps its files (`Paths`) and the settings (`Config`) read from
//! `assets/config.toml` (embedded defaults) with the user's `config.toml` merged over it key by
//! key. Unknown keys and wrong types are errors naming the key and the file.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::contract::event::SPEEDS;
use crate::domain::severity::Severity;

/// The embedded default configuration (every key, commented).
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

/// Where aicockpit reads and writes its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `config.toml`, `keymap.toml`, `themes/`.
    pub config_dir: PathBuf,
    /// Recorded scenarios and other lasting data.
    pub data_dir: PathBuf,
    /// The program log and other state (the data dir where the platform has no state dir).
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform directories, each overridable by `AICOCKPIT_CONFIG_DIR`,
    /// `AICOCKPIT_DATA_DIR` and `AICOCKPIT_STATE_DIR`.
    pub fn resolve() -> Result<Paths, String> {
        Paths::resolve_with(|k| std::env::var_os(k))
    }

    /// `resolve` with the environment given as a function (for tests).
    pub fn resolve_with(env: impl Fn(&str) -> Option<OsString>) -> Result<Paths, String> {
        let var = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dirs = directories::ProjectDirs::from("dev", "aicockpit", "aicockpit");
        let config_dir = match (var("AICOCKPIT_CONFIG_DIR"), &dirs) {
            (Some(d), _) => d,
            (None, Some(p)) => p.config_dir().to_path_buf(),
            (None, None) => {
                return Err("cannot find the home directory to keep configuration in; \
                            set AICOCKPIT_CONFIG_DIR"
                    .to_string());
            }
        };
        let data_dir = var("AICOCKPIT_DATA_DIR")
            .or_else(|| dirs.as_ref().map(|p| p.data_dir().to_path_buf()))
            .unwrap_or_else(|| config_dir.clone());
        let state_dir = var("AICOCKPIT_STATE_DIR")
            .or_else(|| {
                dirs.as_ref()
                    .and_then(|p| p.state_dir().map(Path::to_path_buf))
            })
            .unwrap_or_else(|| data_dir.clone());
        Ok(Paths {
            config_dir,
            data_dir,
            state_dir,
        })
    }

    /// All three directories under one root (tests, portable installs).
    pub fn under(root: &Path) -> Paths {
        Paths {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            state_dir: root.join("state"),
        }
    }

    /// `<config_dir>/config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// `<config_dir>/keymap.toml`.
    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    /// `<config_dir>/themes`.
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }
}

/// All settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub ui: UiConfig,
    pub replay: ReplayConfig,
    pub logs: LogsConfig,
    pub metrics: MetricsConfig,
    pub thresholds: Thresholds,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// Built-in theme name, user theme name, or path (see `theme::resolve`).
    pub theme: String,
    pub tick_ms: u64,
    pub mouse: bool,
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

/// Alert thresholds (values from the seed alert rules; see `assets/config.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub gpu_temp: Threshold,
    pub gpu_util: Threshold,
    pub gpu_mem: Threshold,
    pub gpu_idle: Threshold,
    pub npu_mem: Threshold,
    pub serving_p95_latency: Threshold,
    pub serving_error_ratio: Threshold,
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
        match self.when {
            Direction::Above => v > self.value,
            Direction::Below => v < self.value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Above,
    Below,
}

/// Parse "250ms", "90s", "2m", "1h" into milliseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("bad duration {text:?}: expected a number and a unit, like \"2m\""))?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "bad duration {text:?}: the unit must be ms, s, m or h"
            ));
        }
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("bad duration {text:?}: too long"))
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map_err(serde::de::Error::custom)
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
    pub fn defaults() -> Result<Config, String> {
        let table = parse_table(DEFAULT_CONFIG, "assets/config.toml")?;
        from_table(table, "assets/config.toml")
    }

    /// The defaults with `<config_dir>/config.toml` merged over them, if that file exists.
    pub fn load(paths: &Paths) -> Result<Config, String> {
        let path = paths.config_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::from_user_toml(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::defaults(),
            Err(e) => Err(format!("{}: cannot read it: {e}", path.display())),
        }
    }

    /// The defaults with a user file's text merged over them; errors name `origin`.
    pub fn from_user_toml(text: &str, origin: &str) -> Result<Config, String> {
        let mut merged = parse_table(DEFAULT_CONFIG, "assets/config.toml")?;
        let user = parse_table(text, origin)?;
        merge(&mut merged, user, "").map_err(|e| format!("{origin}: {e}"))?;
        from_table(merged, origin)
    }

    fn validate(&self) -> Result<(), String> {
        if !(10..=5000).contains(&self.ui.tick_ms) {
            return Err(format!(
                "ui.tick_ms must be 10 to 5000, not {}",
                self.ui.tick_ms
            ));
        }
        if !SPEEDS.contains(&self.replay.speed) {
            return Err(format!(
                "replay.speed must be one of {SPEEDS:?}, not {}",
                self.replay.speed
            ));
        }
        if self.logs.max_bytes < 1024 {
            return Err(format!(
                "logs.max_bytes must be at least 1024, not {}",
                self.logs.max_bytes
            ));
        }
        if self.metrics.points < 2 {
            return Err(format!(
                "metrics.points must be at least 2, not {}",
                self.metrics.points
            ));
        }
        Ok(())
    }
}

fn parse_table(text: &str, origin: &str) -> Result<toml::Table, String> {
    toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim_end()))
}

/// Deserialize section by section so that a bad value is reported with its key.
fn from_table(table: toml::Table, origin: &str) -> Result<Config, String> {
    fn part<T: DeserializeOwned>(t: &toml::Table, key: &str, label: &str) -> Result<T, String> {
        let v = t
            .get(key)
            .cloned()
            .ok_or_else(|| format!("missing [{label}]"))?;
        v.try_into::<T>()
            .map_err(|e| format!("{label}: {}", e.message().trim_end()))
    }
    let in_file = |e: String| format!("{origin}: {e}");
    let thresholds = match table.get("thresholds") {
        Some(toml::Value::Table(t)) => {
            for key in t.keys() {
                part::<Threshold>(t, key, &format!("thresholds.{key}")).map_err(in_file)?;
            }
            part::<Thresholds>(&table, "thresholds", "thresholds").map_err(in_file)?
        }
        _ => return Err(in_file("missing [thresholds]".to_string())),
    };
    let config = Config {
        ui: part(&table, "ui", "ui").map_err(in_file)?,
        replay: part(&table, "replay", "replay").map_err(in_file)?,
        logs: part(&table, "logs", "logs").map_err(in_file)?,
        metrics: part(&table, "metrics", "metrics").map_err(in_file)?,
        thresholds,
    };
    if let Some(unknown) = table
        .keys()
        .find(|k| !["ui", "replay", "logs", "metrics", "thresholds"].contains(&k.as_str()))
    {
        return Err(format!("{origin}: unknown key {unknown:?}"));
    }
    config.validate().map_err(|e| format!("{origin}: {e}"))?;
    Ok(config)
}

/// Merge `user` over `base` key by key. Every user key must exist in `base` with the same type
/// (an integer may stand for a float); errors name the dotted key.
fn merge(base: &mut toml::Table, user: toml::Table, prefix: &str) -> Result<(), String> {
    for (key, value) in user {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some(slot) = base.get_mut(&key) else {
            let known: Vec<&str> = base.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown key {path:?} (known here: {})",
                known.join(", ")
            ));
        };
        match (slot, value) {
            (toml::Value::Table(b), toml::Value::Table(u)) => merge(b, u, &path)?,
            (slot @ toml::Value::Float(_), toml::Value::Integer(i)) => {
                *slot = toml::Value::Float(i as f64);
            }
            (slot, value) if slot.same_type(&value) => *slot = value,
            (slot, value) => {
                return Err(format!(
                    "{path} must be {}, not {}",
                    article(slot.type_str()),
                    article(value.type_str())
                ));
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
