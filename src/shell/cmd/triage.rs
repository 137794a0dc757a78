//! `aicockpit triage`: replay a whole scenario (embedded or a file) through the reducer, run
//! "what's wrong?" at its end and print the ranked findings as text, JSON or Markdown; with
//! `--out DIR` also write the report, the JSON and the evidence file there (a redacted scenario
//! that replays to the same findings: `triage::view::incident_files`). Reads the same
//! settings as the cockpit: `config.toml` (what the world keeps) and the user's playbooks, alert
//! rules and signatures from the config directory. Exit 0 when it ran, 2 on errors (bad
//! scenario, bad config or rule files, unwritable output).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::contract::event::{Msg, TimedEvent};
use crate::contract::scenario::{self, Scenario};
use crate::settings::config::{Config, Paths};
use crate::settings::keymap::Keymap;
use crate::shell::settings_files;
use crate::shell::tuning::Tuning;
use crate::sources::embedded;
use crate::state::{AppState, Mode, update};
use crate::triage::engine::findings::{Finding, whats_wrong};
use crate::triage::engine::render::{self, Format};
use crate::triage::view::incident_files;
use crate::world::World;

/// Arguments of `aicockpit triage`.
#[derive(Debug, Clone, clap::Args)]
pub struct TriageArgs {
    /// An embedded scenario (default: the default demo scenario).
    #[arg(long, value_name = "NAME", conflicts_with = "replay")]
    pub demo: Option<String>,
    /// A scenario file (JSON Lines, schema 1).
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write report.md, findings.json and evidence.jsonl into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Stop the replay at this many seconds of scenario time (default: the whole scenario).
    #[arg(long, value_name = "SECONDS")]
    pub at: Option<u64>,
}

/// The state after replaying `s` up to `until_ms` of scenario time (all of it when `None`),
/// through the reducer, ticked at the last event applied; with the embedded defaults and the
/// built-in rule data.
pub fn state_at(s: &Scenario, until_ms: Option<i64>) -> AppState {
    replay_into(AppState::new(Mode::Replay, Keymap::default()), s, until_ms)
}

/// `state_at`, starting from `st`.
fn replay_into(mut st: AppState, s: &Scenario, until_ms: Option<i64>) -> AppState {
    let until = until_ms.unwrap_or(i64::MAX);
    let batch: Vec<TimedEvent> = s
        .events
        .iter()
        .take_while(|l| l.t_ms <= until)
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(&mut st, Msg::Source(batch));
    let now = match until_ms {
        Some(u) => s.start_ms + u.min(s.duration_ms()),
        None => s.start_ms + s.duration_ms(),
    };
    update(&mut st, Msg::Tick { now_ms: now });
    st
}

fn load(args: &TriageArgs) -> anyhow::Result<Scenario> {
    match &args.replay {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Ok(scenario::parse(&text, &p.display().to_string())?)
        }
        None => {
            let name = args.demo.as_deref().unwrap_or(embedded::DEFAULT_SCENARIO);
            Ok(embedded::load(name)?)
        }
    }
}

/// Run the command; `paths` locate the user's config and rule files (the defaults and built-ins
/// alone without them). Returns the exit code.
pub fn run(
    args: &TriageArgs,
    paths: Option<&Paths>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match run_inner(args, paths, out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            2
        }
    }
}

fn run_inner(args: &TriageArgs, paths: Option<&Paths>, out: &mut dyn Write) -> anyhow::Result<()> {
    let config = match paths {
        Some(p) => settings_files::config(p),
        None => Config::defaults(),
    }
    .map_err(anyhow::Error::msg)?;
    let config_dir = paths.map(|p| p.config_dir.as_path());
    let rules = settings_files::rules(config_dir)
        .map_err(anyhow::Error::msg)?
        .leak();
    let s = load(args)?;
    let mut st = AppState::new(Mode::Replay, Keymap::default());
    let tuning = Tuning::from_config(&config);
    st.world = World::with_limits(tuning.limits);
    st.rules = Some(rules);
    let st = replay_into(st, &s, args.at.map(|a| a as i64 * 1000));
    let findings: Vec<Finding> = whats_wrong(rules, &st.world, st.now_ms);
    let name = s.header.scenario.clone();
    let text = render::findings(&findings, args.format, &name, st.now_ms);
    out.write_all(text.as_bytes())
        .context("cannot write output")?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let (md, evidence) = incident_files(&st.world, rules, &findings, None, &name, st.now_ms);
        let files = [
            ("report.md", md),
            (
                "findings.json",
                render::findings(&findings, Format::Json, &name, st.now_ms),
            ),
            ("evidence.jsonl", evidence),
        ];
        for (f, body) in files {
            let p = dir.join(f);
            std::fs::write(&p, body).with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    Ok(())
}
