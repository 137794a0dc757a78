//! A private tmux server for the end-to-end tests: the real binary in a real terminal. One
//! socket per test, killed on drop; screens captured as text (or with their escape sequences),
//! keys sent, and polling until the screen says what a test waits for.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// How long a test waits for the screen before it fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// How often the screen is read while waiting.
pub const POLL: Duration = Duration::from_millis(40);

/// A tmux server of its own (its own socket), killed on drop. Tests start their session `t`.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn new(socket: impl Into<String>) -> Self {
        Tmux {
            socket: socket.into(),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Start session `t`, `width`×`height`, running `script` under `sh -c`.
    pub fn start(&self, width: u16, height: u16, script: &str) {
        let (w, h) = (width.to_string(), height.to_string());
        let started = self.cmd(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &w,
            "-y",
            &h,
            "sh",
            "-c",
            script,
        ]);
        assert!(started.status.success(), "tmux new-session failed");
    }

    /// The visible screen as text; with `styled`, including the escape sequences for colours
    /// and attributes.
    pub fn capture_styled(&self, styled: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "t"];
        if styled {
            args.push("-e");
        }
        String::from_utf8_lossy(&self.cmd(&args).stdout).into_owned()
    }

    /// The visible screen as text.
    pub fn capture(&self) -> String {
        self.capture_styled(false)
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success(), "send-keys {keys:?}");
    }

    /// Poll the screen until `pred` holds and return it; fail after `WAIT`.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// Whether tmux can run here. Under CI it must (`.ci/run` installs it); elsewhere the test says
/// it is skipped.
pub fn tmux_available() -> bool {
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
