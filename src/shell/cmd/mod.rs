//! The non-interactive subcommands: `scenarios`, `info`, `completions` and `generate`. Each
//! returns its text (or writes its file) so tests can call it without a terminal.

pub mod gpus;
pub mod record;
pub mod sandbox;
pub mod scan_logs;
pub mod triage;

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::settings::config::Paths;
use crate::shell::cli::{Cli, GenerateArgs};
use crate::shell::settings_files;
use crate::sources::generator;
use crate::sources::{embedded, kubeconfig, nvml};

/// `mm:ss` for a duration in milliseconds.
pub fn mmss(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// The `scenarios` table: name, title, duration, description (first line); the default marked.
pub fn scenarios_table() -> String {
    let list = embedded::list();
    let name_w = list
        .iter()
        .map(|i| i.name.len() + 2)
        .max()
        .unwrap_or(4)
        .max(4);
    let title_w = list.iter().map(|i| i.title.len()).max().unwrap_or(5).max(5);
    let mut out = format!(
        "{:<name_w$}  {:<title_w$}  {:>8}  DESCRIPTION\n",
        "NAME", "TITLE", "DURATION"
    );
    for i in &list {
        let name = if i.name == embedded::DEFAULT_SCENARIO {
            format!("{} *", i.name)
        } else {
            i.name.to_string()
        };
        let desc = i.description.lines().next().unwrap_or("");
        out.push_str(&format!(
            "{name:<name_w$}  {:<title_w$}  {:>8}  {desc}\n",
            i.title,
            mmss(i.duration_ms)
        ));
    }
    out.push_str(&format!(
        "\n* default: `aicockpit --demo` plays {}; `aicockpit --demo NAME` plays another.\n",
        embedded::DEFAULT_SCENARIO
    ));
    out
}

/// The `info` report.
pub fn info_report(paths: &Paths) -> String {
    let kube = match kubeconfig::current_context(None) {
        Ok((ctx, from)) => format!("{ctx} (from {})", from.display()),
        Err(why) => format!("none ({why})"),
    };
    let nvml = match nvml::probe() {
        Ok(s) => format!("available: {s}"),
        Err(why) => format!("NVML not available: {why}"),
    };
    let config_file = paths.config_file();
    let config = match settings_files::config(paths) {
        Ok(_) if config_file.is_file() => format!("{} (ok)", config_file.display()),
        Ok(_) => format!("{} (not present: defaults)", config_file.display()),
        Err(e) => format!("error: {e}"),
    };
    let line = |k: &str, v: &str| format!("{k:<14}{v}\n");
    let mut out = String::new();
    out.push_str(&line("aicockpit", env!("CARGO_PKG_VERSION")));
    out.push_str(&line("config dir", &paths.config_dir.display().to_string()));
    out.push_str(&line("config file", &config));
    out.push_str(&line("data dir", &paths.data_dir.display().to_string()));
    out.push_str(&line("state dir", &paths.state_dir.display().to_string()));
    out.push_str(&line("kube context", &kube));
    out.push_str(&line("nvml", &nvml));
    out
}

/// Write the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "aicockpit", out);
}

/// Run `generate`: write a built-in or synthetic scenario. Returns a one-line summary.
pub fn generate(args: &GenerateArgs) -> Result<String, String> {
    let scenario = if args.name == "synthetic" {
        generator::synthetic(&generator::SyntheticOpts {
            nodes: args.nodes,
            pods: args.pods,
            gpus_per_node: args.gpus_per_node,
            duration_s: args.duration,
            seed: args.seed,
        })
    } else {
        generator::generate(&args.name).ok_or_else(|| {
            format!(
                "unknown scenario {:?}; known: synthetic, {}",
                args.name,
                generator::builtin_names().join(", ")
            )
        })?
    };
    write(&scenario, &args.out)?;
    Ok(format!(
        "wrote {} ({} events, {})",
        args.out.display(),
        scenario.events.len(),
        mmss(scenario.duration_ms())
    ))
}

fn write(s: &crate::contract::scenario::Scenario, path: &Path) -> Result<(), String> {
    generator::write_scenario(s, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmss_formats_minutes_and_seconds() {
        assert_eq!(mmss(0), "00:00");
        assert_eq!(mmss(65_999), "01:05");
        assert_eq!(mmss(3_600_000), "60:00");
        assert_eq!(mmss(-5), "00:00");
    }

    #[test]
    fn table_lists_every_embedded_scenario() {
        let t = scenarios_table();
        for i in embedded::list() {
            assert!(t.contains(i.name) && t.contains(&i.title), "{t}");
        }
    }
}
