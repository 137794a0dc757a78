//! `aicockpit triage`: replay a whole scenario (embedded or a file) through the reducer, run
//! "what's wrong?" at its end and print the ranked findings as text, JSON or Markdown; with
//! `--out DIR` also write the report, the JSON and an evidence scenario there. Exit 0 when it
//! ran, 2 on errors (bad scenario, bad playbooks, unwritable output).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, anyhow};

use crate::contract::event::{Msg, TimedEvent};
use crate::contract::scenario::{self, Scenario};
use crate::settings::keymap::Keymap;
use crate::sources::embedded;
use crate::state::{AppState, Mode, update};
use crate::triage::Playbooks;
use crate::triage::engine::findings::{Finding, whats_wrong};
use crate::triage::engine::render::{self, Format};
use crate::triage::engine::report;

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
/// through the reducer, ticked at the last event applied.
pub fn state_at(s: &Scenario, until_ms: Option<i64>) -> AppState {
    let mut st = AppState::new(Mode::Replay, Keymap::default());
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

/// Run the command; `config_dir` supplies user playbooks. Returns the exit code.
pub fn run(
    args: &TriageArgs,
    config_dir: Option<&std::path::Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match run_inner(args, config_dir, out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            2
        }
    }
}

fn run_inner(
    args: &TriageArgs,
    config_dir: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let pbs = Playbooks::load(config_dir).map_err(|e| anyhow!(crate::triage::join(&e)))?;
    let s = load(args)?;
    let st = state_at(&s, args.at.map(|a| a as i64 * 1000));
    let findings: Vec<Finding> = whats_wrong(&pbs, &st.world, st.now_ms);
    let name = s.header.scenario.clone();
    let text = render::findings(&findings, args.format, &name, st.now_ms);
    out.write_all(text.as_bytes())
        .context("cannot write output")?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let files = [
            (
                "report.md",
                report::incident_markdown(&name, &findings, None, st.now_ms),
            ),
            (
                "findings.json",
                render::findings(&findings, Format::Json, &name, st.now_ms),
            ),
            (
                "evidence.jsonl",
                report::evidence_scenario(&st.world, &findings, &name, st.now_ms),
            ),
        ];
        for (f, body) in files {
            let p = dir.join(f);
            std::fs::write(&p, body).with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    Ok(())
}
