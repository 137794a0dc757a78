//! `aicockpit sandbox`: load a scenario, serve it as a read-only Kubernetes API on loopback,
//! write a kubeconfig for it, and run until interrupted.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use anyhow::{Context, anyhow};

use crate::contract::scenario;
use crate::shell::cli::SandboxArgs;
use crate::sources::embedded;
use crate::sources::sandbox::{self, Pace, SandboxOpts};

/// Run the sandbox until Ctrl-C / SIGTERM. Errors before serving are returned.
pub fn run(args: &SandboxArgs) -> anyhow::Result<ExitCode> {
    let scenario = match embedded::load(&args.scenario) {
        Ok(s) => s,
        Err(_) if std::path::Path::new(&args.scenario).exists() => {
            let text = std::fs::read_to_string(&args.scenario)
                .with_context(|| format!("{}: cannot read", args.scenario))?;
            scenario::parse(&text, &args.scenario)?
        }
        Err(e) => return Err(anyhow!("{e} (nor is it a file)")),
    };
    let opts = SandboxOpts {
        pace: args.speed.map_or(Pace::End, Pace::Speed),
        ..SandboxOpts::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let handle = sandbox::serve(scenario, addr, opts)
            .await
            .with_context(|| format!("cannot serve on {addr}"))?;
        sandbox::write_kubeconfig(&args.kubeconfig_out, &handle.url())
            .with_context(|| args.kubeconfig_out.display().to_string())?;
        println!(
            "read-only sandbox on {}\nkubeconfig: {}\ntry: kubectl --kubeconfig {} get pods -A\n\
             Ctrl-C stops it.",
            handle.url(),
            args.kubeconfig_out.display(),
            args.kubeconfig_out.display()
        );
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("signal handler")?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        handle.shutdown().await.context("stopping the sandbox")?;
        Ok(ExitCode::SUCCESS)
    })
}
