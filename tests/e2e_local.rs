//! End to end, `--local`: the real binary in a real terminal (a detached tmux session, 140×40)
//! reading only this machine's GPUs. Without NVML (no driver, no libnvidia-ml) the Nodes pane and
//! the header say "NVML not available: <reason>"; with it, the local GPUs are listed. Either way
//! `q` quits with 0.
//!
//! Skipped, with a message, when tmux is not installed (except under CI, where it must be).

use std::process::Command;
use std::time::{Duration, Instant};

use aicockpit::sources::nvml;

const WAIT: Duration = Duration::from_secs(20);

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED: tmux not found");
    }
    ok
}

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
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "140",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(started.status.success(), "tmux new-session failed");
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
