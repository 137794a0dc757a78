//! Command-line definitions (clap derive) for the binary and every subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::contract::event::SPEEDS;

/// A terminal cockpit for the people on call for AI/ML Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "aicockpit", version, about, long_about = None)]
pub struct Cli {
    /// Replay an embedded incident scenario, read-only, with no cluster (NAME defaults to the
    /// default scenario; `aicockpit scenarios` lists them).
    #[arg(long, value_name = "NAME", num_args = 0..=1)]
    pub demo: Option<Option<String>>,

    /// Replay a scenario file (JSON Lines, schema 1), read-only.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub replay: Option<PathBuf>,

    /// Colour theme: a built-in name, a file in the config directory's themes/, or a path
    /// (default: `ui.theme` in config.toml).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Initial replay speed: 1, 4, 16 or 60 (default: `replay.speed` in config.toml).
    #[arg(long, value_name = "N", value_parser = parse_speed)]
    pub speed: Option<u32>,

    /// Live mode: the kubeconfig file (default: `$KUBECONFIG`, then `~/.kube/config`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "replay"])]
    pub kubeconfig: Option<PathBuf>,

    /// Live mode: the kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["demo", "replay"])]
    pub context: Option<String>,

    /// Live mode: watch one namespace (default: all namespaces).
    #[arg(long, short = 'n', value_name = "NS", conflicts_with_all = ["demo", "replay"])]
    pub namespace: Option<String>,

    /// Live mode: mark the session as allowed to write (the badge reads LIVE · WRITES). Nothing
    /// in this version changes the cluster either way: fixes are shown and copied (y), never
    /// run, and every request to the cluster is a read.
    #[arg(long, conflicts_with_all = ["demo", "replay"])]
    pub allow_writes: bool,

    /// Live mode: do not follow the logs of training-job pods.
    #[arg(long, conflicts_with_all = ["demo", "replay"])]
    pub no_logs: bool,

    /// Live mode: read metrics from this Prometheus (http:// or https://).
    #[arg(long, value_name = "URL", conflicts_with_all = ["demo", "replay"])]
    pub prometheus: Option<String>,

    /// A file holding the Prometheus bearer token (else `$AICOCKPIT_PROMETHEUS_TOKEN`).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_token_file: Option<PathBuf>,

    /// A file holding `user:password` for Prometheus basic auth (else
    /// `$AICOCKPIT_PROMETHEUS_BASIC_AUTH`).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_basic_auth_file: Option<PathBuf>,

    /// Local mode: only this machine's GPUs (and MIG instances) through NVML, in the Nodes pane;
    /// no cluster, no replay, read-only.
    #[arg(long, conflicts_with_all = [
        "demo", "replay", "kubeconfig", "context", "namespace", "allow_writes", "no_logs",
        "prometheus",
    ])]
    pub local: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the embedded demo scenarios.
    Scenarios,
    /// Show version, paths, kube context and NVML availability.
    Info,
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Write a built-in scenario, or a synthetic cluster of any size, to a file.
    Generate(GenerateArgs),
    /// Scan log files for NCCL / CUDA / HCCL / XID failure signatures (headless).
    ScanLogs(crate::shell::cmd::scan_logs::ScanArgs),
    /// Serve a scenario as a read-only Kubernetes API on 127.0.0.1, for kubectl and the cockpit.
    Sandbox(SandboxArgs),
    /// Record the live cluster (redacted) into a scenario file that `--replay` can play.
    Record(RecordArgs),
    /// Replay a scenario, then run every troubleshooting playbook and print the ranked findings.
    Triage(crate::shell::cmd::triage::TriageArgs),
    /// Show this machine's GPUs (and MIG instances) as NVML reports them, headless. Exit code
    /// 3 when NVML is not available here (no NVIDIA driver or libnvidia-ml).
    Gpus(GpusArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    /// The scenario file to write (JSON Lines, schema 1).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Stop after this long (30s, 5m, 1h); without it, record until Ctrl-C.
    #[arg(long, value_name = "D", value_parser = crate::shell::record::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Record one namespace (default: all namespaces).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    /// The kubeconfig file (default: `$KUBECONFIG`, then `~/.kube/config`).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Do not record the logs of training-job pods.
    #[arg(long)]
    pub no_logs: bool,
    /// Also record metric samples from this Prometheus (from the start of the recording on).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// A file holding the Prometheus bearer token (else `$AICOCKPIT_PROMETHEUS_TOKEN`).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_token_file: Option<PathBuf>,
    /// A file holding `user:password` for Prometheus basic auth.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_basic_auth_file: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct GpusArgs {
    /// Print one reading and exit (otherwise print one every --interval-ms until interrupted).
    #[arg(long)]
    pub once: bool,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::shell::cmd::gpus::Format,
    /// Milliseconds between readings without --once.
    #[arg(long, default_value_t = 1000)]
    pub interval_ms: u64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// An embedded scenario name (see `aicockpit scenarios`) or a scenario file.
    pub scenario: String,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Where to write a kubeconfig that points at the sandbox.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "aicockpit-sandbox.kubeconfig"
    )]
    pub kubeconfig_out: PathBuf,
    /// Replay speed from the scenario's start; without it the whole incident is applied at once.
    #[arg(long, value_parser = parse_speed)]
    pub speed: Option<u32>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// A built-in scenario name, or `synthetic`.
    pub name: String,
    /// Where to write the scenario (JSON Lines).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// synthetic: number of nodes.
    #[arg(long, default_value_t = 2000)]
    pub nodes: usize,
    /// synthetic: number of workload pods (each node also runs its system DaemonSet pods).
    #[arg(long, default_value_t = 40000)]
    pub pods: usize,
    /// synthetic: GPUs per node.
    #[arg(long, default_value_t = 8)]
    pub gpus_per_node: u32,
    /// synthetic: scenario length in seconds.
    #[arg(long, default_value_t = 60)]
    pub duration: u32,
    /// synthetic: random seed (same seed, same file).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn parse_speed(s: &str) -> anyhow::Result<u32> {
    match s.parse::<u32>() {
        Ok(n) if SPEEDS.contains(&n) => Ok(n),
        _ => Err(anyhow::anyhow!(
            "speed must be one of {}",
            SPEEDS.map(|n| n.to_string()).join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn demo_takes_an_optional_name() {
        let c = Cli::try_parse_from(["aicockpit", "--demo"]).expect("parse");
        assert_eq!(c.demo, Some(None));
        let c = Cli::try_parse_from(["aicockpit", "--demo", "xid79"]).expect("parse");
        assert_eq!(c.demo, Some(Some("xid79".to_string())));
        let c = Cli::try_parse_from(["aicockpit"]).expect("parse");
        assert_eq!(c.demo, None);
    }

    #[test]
    fn speed_is_checked() {
        let c = Cli::try_parse_from(["aicockpit", "--demo", "--speed", "16"]).expect("parse");
        assert_eq!(c.speed, Some(16));
        assert!(Cli::try_parse_from(["aicockpit", "--demo", "--speed", "5"]).is_err());
    }

    #[test]
    fn scan_logs_and_sandbox_parse() {
        let c = Cli::try_parse_from(["aicockpit", "scan-logs", "a.log", "-", "--format", "json"])
            .expect("parse");
        assert!(matches!(c.command, Some(Command::ScanLogs(ref a)) if a.files.len() == 2));
        let c = Cli::try_parse_from(["aicockpit", "sandbox", "rdma-netpol", "--port", "18443"])
            .expect("parse");
        assert!(matches!(c.command, Some(Command::Sandbox(ref a)) if a.port == 18443));
        assert!(Cli::try_parse_from(["aicockpit", "scan-logs"]).is_err());
    }

    #[test]
    fn live_flags_parse_and_exclude_replay() {
        let c = Cli::try_parse_from([
            "aicockpit",
            "--kubeconfig",
            "kc",
            "--context",
            "prod",
            "-n",
            "ml",
            "--allow-writes",
        ])
        .expect("parse");
        assert_eq!(c.context.as_deref(), Some("prod"));
        assert_eq!(c.namespace.as_deref(), Some("ml"));
        assert!(c.allow_writes && !c.no_logs);
        assert!(Cli::try_parse_from(["aicockpit", "--demo", "--context", "x"]).is_err());
        assert!(Cli::try_parse_from(["aicockpit", "--replay", "f", "-n", "x"]).is_err());
    }

    #[test]
    fn allow_writes_help_says_what_it_does_today() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_id() == "allow_writes")
            .expect("--allow-writes");
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        // The badge is all it changes: no action asks for confirmation, none writes.
        assert!(help.contains("LIVE · WRITES"), "{help}");
        assert!(help.contains("never run"), "{help}");
        assert!(!help.contains("confirmation"), "{help}");
    }

    #[test]
    fn local_stands_alone() {
        let c = Cli::try_parse_from(["aicockpit", "--local"]).expect("parse");
        assert!(c.local && c.demo.is_none() && c.command.is_none());
        assert!(!Cli::try_parse_from(["aicockpit"]).expect("parse").local);
        for other in [
            &["--demo"][..],
            &["--context", "x"],
            &["--prometheus", "http://p"],
        ] {
            let mut args = vec!["aicockpit", "--local"];
            args.extend_from_slice(other);
            assert!(Cli::try_parse_from(args).is_err(), "{other:?}");
        }
    }

    #[test]
    fn demo_and_replay_conflict() {
        assert!(Cli::try_parse_from(["aicockpit", "--demo", "--replay", "f.jsonl"]).is_err());
    }
}
