//! `aicockpit sandbox`: load a scenario, serve it as a read-only Kubernetes API on loopback,
//! write a kubeconfig for it, and run until interrupted.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use crate::contract::scenario;
use crate::shell::cli::SandboxArgs;
use crate::sources::embedded;
use crate::sources::sandbox::{self, Pace, SandboxOpts};

/// Run the sandbox until Ctrl-C / SIGTERM. Errors before serving are returned as text.
pub fn run(args: &SandboxArgs) -> Result<ExitCode, String> {
    let scenario = match embedded::load(&args.scenario) {
        Ok(s) => s,
        Err(_) if std::path::Path::new(&args.scenario).exists() => {
            let text = std::fs::read_to_string(&args.scenario)
                .map_err(|e| format!("{}: cannot read: {e}", args.scenario))?;
            scenario::parse(&text, &args.scenario).map_err(|e| e.to_string())?
        }
        Err(e) => return Err(format!("{e} (nor is it a file)")),
    };
    let opts = SandboxOpts {
        pace: args.speed.map_or(Pace::End, Pace::Speed),
        ..SandboxOpts::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let handle = sandbox::serve(scenario, addr, opts)
            .await
            .map_err(|e| format!("cannot serve on {addr}: {e}"))?;
        sandbox::write_kubeconfig(&args.kubeconfig_out, &handle.url())
            .map_err(|e| format!("{}: {e}", args.kubeconfig_out.display()))?;
        println!(
            "read-only sandbox on {}\nkubeconfig: {}\ntry: kubectl --kubeconfig {} get pods -A\n\
             Ctrl-C stops it.",
            handle.url(),
            args.kubeconfig_out.display(),
            args.kubeconfig_out.display()
        );
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("signal handler: {e}"))?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        handle
            .shutdown()
            .await
            .map_err(|e| format!("stopping the sandbox: {e}"))?;
        Ok(ExitCode::SUCCESS)
    })
}
