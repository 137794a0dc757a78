//! `aicockpit record`: connect like live mode, write a redacted scenario file, show progress on
//! stderr, stop after `--duration` or on Ctrl-C / SIGTERM (the file stays valid either way).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::shell::cli::RecordArgs;
use crate::shell::live::LiveSetup;
use crate::shell::record::{self, RecordOpts, RecordStats};
use crate::sources::prometheus::{PromAuth, PromOpts};

fn line(s: &RecordStats) -> String {
    format!(
        "recording: {} events ({} objects, {} log lines), {} KiB, {}s",
        s.events,
        s.objects,
        s.logs,
        s.bytes / 1024,
        s.elapsed_ms / 1000
    )
}

/// Record until the duration passes or a signal arrives.
pub fn run(args: &RecordArgs) -> anyhow::Result<ExitCode> {
    let prometheus = match &args.prometheus {
        Some(url) => {
            let auth = PromAuth::load(
                args.prometheus_token_file.as_deref(),
                args.prometheus_basic_auth_file.as_deref(),
            )?;
            // Samples from the start of the recording on: history would all land at t = 0.
            let mut p = PromOpts::new(url, auth);
            p.lookback = std::time::Duration::ZERO;
            Some(p)
        }
        None => None,
    };
    let opts = RecordOpts {
        out: args.out.clone(),
        duration: args.duration,
        setup: LiveSetup {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            namespace: args.namespace.clone(),
            read_only: true,
            follow_logs: !args.no_logs,
            prometheus,
            nvml: false,
        },
    };
    let tty = std::io::stderr().is_terminal();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let stats = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("signal handler")?;
        let stop = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        record::record(opts, stop, |s| {
            if tty {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K{}", line(s));
                let _ = err.flush();
            }
        })
        .await
    })?;
    runtime.shutdown_background();
    if tty {
        eprintln!();
    }
    eprintln!("{} -> {}", line(&stats), args.out.display());
    Ok(ExitCode::SUCCESS)
}
