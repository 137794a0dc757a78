//! End to end, `--local`: the real binary in a real terminal (a detached tmux session, 140×40)
//! reading only this machine's GPUs. Without NVML (no driver, no libnvidia-ml) the Nodes pane and
//! the header say "NVML not available: <reason>"; with it, the local GPUs are listed. Either way
//! `q` quits with 0.
//!
//! Skipped, with a message, when tmux is not installed (except under CI, where it must be).

mod tmux_support;
use tmux_support::{Tmux, tmux_available};

use aicockpit::sources::nvml;

#[test]
fn local_mode_shows_the_gpus_or_why_not_and_quits_cleanly() {
    if !tmux_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux {
        socket: format!("aicockpit-e2e-local-{}", std::process::id()),
    };
    let script = format!(
        "env HOME='{home}' AICOCKPIT_CONFIG_DIR='{home}/cfg' KUBECONFIG=/nonexistent '{bin}' \
         --local; echo AFTER-$?; sleep 600",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_aicockpit"),
    );
    tmux.start(140, 40, &script);
    let host = nvml::hostname();
    let header = |s: &str| s.lines().next().is_some_and(|l| l.contains("local mode ·"));
    let screen = match nvml::probe() {
        Err(why) => {
            let reason = format!("NVML not available: {why}");
            let shown: String = reason.chars().take(100).collect();
            let screen = tmux.wait_for("the reason NVML is not available", |s| {
                header(s) && s.lines().any(|l| l.starts_with('│') && l.contains(&shown))
            });
            assert!(screen.contains("⚠ nvml: NVML not avail"), "{screen}");
            screen
        }
        Ok(about) => {
            eprintln!("NVML here: {about}");
            tmux.wait_for("this machine's GPUs", |s| {
                header(s) && s.lines().any(|l| l.starts_with(&format!("│{host} ")))
            })
        }
    };
    assert!(
        screen.contains(&host),
        "the header names the host:\n{screen}"
    );
    assert!(
        !screen.contains("kubeconfig"),
        "no cluster is read:\n{screen}"
    );
    tmux.cmd(&["send-keys", "-t", "t", "q"]);
    tmux.wait_for("a clean exit", |s| s.contains("AFTER-0"));
}
