//! The `aicockpit` binary: parse the command line, run a subcommand or start the cockpit.
//! Everything that can fail before the terminal is taken over (a bad scenario, an unknown demo,
//! a broken config) is reported on stderr with exit code 2, and the terminal is left untouched.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::Parser;

use aicockpit::contract::event::NoticeLevel;
use aicockpit::settings::config::Paths;
use aicockpit::settings::theme;
use aicockpit::shell::app::{self, Setup};
use aicockpit::shell::cli::{Cli, Command};
use aicockpit::shell::cmd as commands;
use aicockpit::shell::live::LiveSetup;
use aicockpit::shell::logging;
use aicockpit::shell::settings_files;
use aicockpit::shell::tuning::Tuning;
use aicockpit::sources::embedded;
use aicockpit::sources::prometheus::{PromAuth, PromOpts};
use aicockpit::sources::replay::Replayer;
use aicockpit::state::Mode;

/// mimalloc hands freed memory back to the system far more readily than glibc's allocator after
/// the transient bursts of parsing a recording: replaying the synthetic 2,000-node / 40,000-pod
/// file ran at about 360 MB RSS with glibc and about 190 MB with mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(ref cmd) => subcommand(cmd),
        None => cockpit(cli, started),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A settings loader's result, its error kept as the text it gives.
fn settings<T, E>(r: Result<T, E>) -> anyhow::Result<T>
where
    E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static,
{
    r.map_err(anyhow::Error::msg)
}

fn subcommand(cmd: &Command) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let text = match cmd {
        Command::Scenarios => commands::scenarios::scenarios_table(),
        Command::Info => commands::info::info_report(&settings(Paths::resolve())?),
        Command::Completions { shell } => {
            commands::completions::completions(*shell, &mut out);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Generate(args) => commands::generate::generate(args)? + "\n",
        Command::ScanLogs(args) => {
            let mut err = std::io::stderr().lock();
            let dir = Paths::resolve().ok().map(|p| p.config_dir);
            let code =
                aicockpit::shell::cmd::scan_logs::run(args, dir.as_deref(), &mut out, &mut err);
            return Ok(ExitCode::from(code.clamp(0, 255) as u8));
        }
        Command::Sandbox(args) => return aicockpit::shell::cmd::sandbox::run(args),
        Command::Record(args) => return aicockpit::shell::cmd::record::run(args),
        Command::Triage(args) => {
            let mut err = std::io::stderr().lock();
            let paths = Paths::resolve().ok();
            let code = aicockpit::shell::cmd::triage::run(args, paths.as_ref(), &mut out, &mut err);
            return Ok(ExitCode::from(code.clamp(0, 255) as u8));
        }
        Command::Gpus(args) => return Ok(gpus(args)),
    };
    // A closed pipe (`aicockpit scenarios | head -1`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn gpus(args: &aicockpit::shell::cli::GpusArgs) -> ExitCode {
    use aicockpit::shell::cmd::gpus::once;
    use aicockpit::sources::nvml;
    let mut out = std::io::stdout().lock();
    // NVML is initialised once and every reading reuses it; `once` shows the reason as text.
    let lib = nvml::init();
    let read = || match &lib {
        Ok(n) => nvml::snapshot_from(n).map_err(|e| e.to_string()),
        Err(why) => Err(why.to_string()),
    };
    loop {
        let code = once(read, args.format, &mut out);
        if args.once || code != 0 {
            return ExitCode::from(code);
        }
        std::thread::sleep(std::time::Duration::from_millis(args.interval_ms.max(100)));
    }
}

fn load_scenario(cli: &Cli) -> anyhow::Result<(Mode, Replayer)> {
    if let Some(path) = &cli.replay {
        // Checked line by line now; events are read from the file as they fall due.
        let r = Replayer::open(path)?;
        return Ok((Mode::Replay, r));
    }
    let name = match &cli.demo {
        Some(demo) => demo.as_deref().unwrap_or(embedded::DEFAULT_SCENARIO),
        None => embedded::DEFAULT_SCENARIO,
    };
    // Parse only the scenario asked for; list the others only when the name is unknown.
    let s = embedded::load(name).map_err(|e| {
        let known: Vec<&str> = embedded::list().iter().map(|i| i.name).collect();
        if known.contains(&name) {
            anyhow::Error::new(e)
        } else {
            anyhow!(
                "unknown demo scenario {name:?}; known scenarios: {}",
                known.join(", ")
            )
        }
    })?;
    Ok((Mode::Demo, Replayer::new(s)))
}

/// Live mode (no `--demo`, no `--replay`): where to connect.
fn live_setup(cli: &Cli) -> anyhow::Result<Option<LiveSetup>> {
    if cli.demo.is_some() || cli.replay.is_some() {
        return Ok(None);
    }
    if cli.local {
        // this machine's GPUs only: no kubeconfig, no Prometheus, no logs
        return Ok(Some(LiveSetup {
            kubeconfig: None,
            context: None,
            namespace: None,
            read_only: true,
            follow_logs: false,
            prometheus: None,
            nvml: true,
        }));
    }
    let prometheus = match &cli.prometheus {
        Some(url) => {
            let auth = PromAuth::load(
                cli.prometheus_token_file.as_deref(),
                cli.prometheus_basic_auth_file.as_deref(),
            )?;
            Some(PromOpts::new(url, auth))
        }
        None => None,
    };
    Ok(Some(LiveSetup {
        kubeconfig: cli.kubeconfig.clone(),
        context: cli.context.clone(),
        namespace: cli.namespace.clone(),
        read_only: !cli.allow_writes,
        follow_logs: !cli.no_logs,
        prometheus,
        nvml: true,
    }))
}

fn cockpit(cli: Cli, started: std::time::Instant) -> anyhow::Result<ExitCode> {
    let live = live_setup(&cli)?;
    let (mode, replayer) = match &live {
        // The replayer is not run in a live session; an empty one keeps `Setup` whole.
        Some(l) => (
            Mode::Live {
                context: if cli.local {
                    format!(
                        "local mode · {} · NVML only",
                        aicockpit::sources::nvml::hostname()
                    )
                } else {
                    l.context_name()
                },
                read_only: l.read_only,
            },
            aicockpit::shell::live::idle_replayer(),
        ),
        None => load_scenario(&cli)?,
    };
    let paths = settings(Paths::resolve())?;
    let config = settings(settings_files::config(&paths))?;
    let mut tuning = Tuning::from_config(&config);
    tuning.speed = cli.speed.unwrap_or(tuning.speed);
    let (keymap, keymap_warnings) = settings(settings_files::keymap(Some(&paths.config_dir)))?;
    let requested = cli.theme.as_deref().unwrap_or(&tuning.theme);
    let (theme, theme_warnings) = settings_files::theme(
        Some(requested),
        Some(&paths.config_dir),
        theme::no_color_from_env(),
    );
    let notices: Vec<(NoticeLevel, String)> = logging::init()
        .into_iter()
        .chain(keymap_warnings)
        .chain(theme_warnings)
        .map(|w| (NoticeLevel::Warn, w))
        .collect();
    for (_, w) in &notices {
        tracing::warn!("{w}");
    }
    // A broken user playbook, alert rule or signature file is reported like a broken config
    // file, before the screen.
    let rules = settings(settings_files::rules(Some(&paths.config_dir)))?;
    let setup = Setup {
        rules: rules.leak(),
        mode,
        replayer,
        theme,
        keymap,
        tuning,
        notices,
        started,
        live,
        local: cli.local,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let exit = runtime.block_on(app::run(setup))?;
    // Source tasks may still be winding down; do not wait for them.
    runtime.shutdown_background();
    Ok(ExitCode::from(exit.code()))
}
