//! Every key of the embedded `assets/config.toml` is applied. For each key, a user file that
//! sets it alone to another valid value must change what a session runs with
//! (`shell::tuning::Tuning`, the one place a `Config` becomes the values of the run loop, the
//! world and the panes), and every field of `Tuning` must be read by the code outside
//! `shell/tuning.rs`. A key that is parsed but applied by no code fails here.

use std::path::Path;

use aicockpit::settings::config::{Config, DEFAULT_CONFIG};
use aicockpit::shell::tuning::Tuning;
use toml::Value;

/// Every leaf key of a table, as a dotted path, with its value.
fn leaves(table: &toml::Table, prefix: &str, out: &mut Vec<(String, Value)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Table(t) => leaves(t, &path, out),
            other => out.push((path, other.clone())),
        }
    }
}

/// Other values of the same type as `v`, tried in turn until one is valid for the key.
fn alternatives(v: &Value) -> Vec<Value> {
    let words = [
        "light", "above", "below", "info", "warning", "critical", "0s", "1m", "7m",
    ];
    let all: Vec<Value> = match v {
        Value::Integer(i) => [i + 1, i * 2, i - 1, 1, 4, 16, 60]
            .into_iter()
            .map(Value::Integer)
            .collect(),
        Value::Float(f) => vec![Value::Float(f + 1.0), Value::Float(f / 2.0)],
        Value::Boolean(b) => vec![Value::Boolean(!b)],
        Value::String(_) => words.iter().map(|w| Value::String(w.to_string())).collect(),
        _ => Vec::new(),
    };
    all.into_iter().filter(|a| a != v).collect()
}

/// A user config that sets `path` to `value` and nothing else.
fn user_file(path: &str, value: Value) -> String {
    let mut v = value;
    for key in path.rsplit('.') {
        let mut t = toml::Table::new();
        t.insert(key.to_string(), v);
        v = Value::Table(t);
    }
    match v {
        Value::Table(t) => toml::to_string(&t).expect("serializes"),
        _ => unreachable!("a path has at least one key"),
    }
}

/// The keys of the embedded file whose value changes nothing `tune` makes of a configuration.
fn unapplied_keys<T: PartialEq>(tune: impl Fn(&Config) -> T) -> Vec<String> {
    let table: toml::Table = toml::from_str(DEFAULT_CONFIG).expect("the embedded config is TOML");
    let mut keys = Vec::new();
    leaves(&table, "", &mut keys);
    assert!(keys.len() >= 10, "only {} keys found", keys.len());
    let defaults = tune(&Config::defaults().expect("embedded config"));
    let mut unapplied = Vec::new();
    for (path, value) in keys {
        let tried: Vec<Config> = alternatives(&value)
            .into_iter()
            .filter_map(|alt| Config::from_user_toml(&user_file(&path, alt), "mutant.toml").ok())
            .collect();
        assert!(
            !tried.is_empty(),
            "no other valid value for {path} = {value}: extend `alternatives`"
        );
        if tried.iter().all(|c| tune(c) == defaults) {
            unapplied.push(path);
        }
    }
    unapplied
}

#[test]
fn every_embedded_key_changes_what_a_session_runs_with() {
    let unapplied = unapplied_keys(Tuning::from_config);
    assert!(
        unapplied.is_empty(),
        "keys of assets/config.toml that no code applies (apply them in shell::tuning, or \
         remove them): {unapplied:?}"
    );
}

#[test]
fn every_tuned_value_is_read_outside_the_tuning() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tuning = std::fs::read_to_string(src.join("shell/tuning.rs")).expect("tuning.rs");
    let body = tuning
        .split("pub struct Tuning {")
        .nth(1)
        .and_then(|b| b.split('}').next())
        .expect("the Tuning struct");
    let fields: Vec<&str> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub "))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert!(fields.len() >= 5, "{fields:?}");
    let mut code = String::new();
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("src dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("shell/tuning.rs") {
                code.push_str(&std::fs::read_to_string(&p).expect("source"));
            }
        }
    }
    for f in fields {
        assert!(
            code.contains(&format!("tuning.{f}")),
            "Tuning::{f} is read by no code outside shell/tuning.rs"
        );
    }
}

#[test]
fn a_key_the_tuning_ignores_is_caught() {
    // The detector itself: a tuning that drops the tick and the NPU memory severity.
    let unapplied = unapplied_keys(|c| {
        let mut t = Tuning::from_config(c);
        t.tick = std::time::Duration::ZERO;
        t.thresholds.npu_mem.severity = Tuning::from_config(&Config::defaults().expect("embedded"))
            .thresholds
            .npu_mem
            .severity;
        t
    });
    assert_eq!(unapplied, ["thresholds.npu_mem.severity", "ui.tick_ms"]);
}
