//! End to end: the real binary in a real terminal (a detached tmux session, 120×40). Starts the
//! demo, waits for the header, switches panes, opens and closes help, quits, and checks that the
//! terminal came back (the alternate screen was left and the exit status was 0).
//!
//! Skipped, with a message, when tmux is not installed (except under CI, where it must be).

use std::process::Command;
use std::time::{Duration, Instant};

mod tmux_support;
use tmux_support::{POLL, Tmux, WAIT, tmux_available};

use aicockpit::settings::keymap::Keymap;

/// Waits beyond the shared ones: on styled screens.
trait StyledWaits {
    fn wait_styled_change(&self, what: &str, before: &str, row_of: &str) -> String;
    fn settle(&self) -> String;
}

impl StyledWaits for Tmux {
    /// Poll the styled screen until it differs from `before`.
    fn wait_styled_change(&self, what: &str, before: &str, row_of: &str) -> String {
        let start = Instant::now();
        loop {
            let now = self.capture_styled(true);
            if line_with(&now, row_of) != line_with(before, row_of) {
                return now;
            }
            if start.elapsed() > WAIT {
                panic!("timed out waiting for {what}; row with {row_of:?} unchanged:\n{now}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Poll until two captures in a row are the same (the screen settled).
    fn settle(&self) -> String {
        let start = Instant::now();
        let mut last = self.capture_styled(true);
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.capture_styled(true);
            if now == last || start.elapsed() > WAIT {
                return now;
            }
            last = now;
        }
    }
}

/// The first line of `screen` (styled or not) whose text contains `needle`.
fn line_with(screen: &str, needle: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| strip_escapes(l).contains(needle))
        .map(str::to_string)
}

fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Start `aicockpit --demo` in a fresh 120×40 tmux session, wrapped so the shell prints
/// `BEFORE` first, and `AFTER-<status>` and the tty's canonical mode (`MODE:icanon` once raw
/// mode is left) after it exits. `None` when tmux is absent (not under CI).
fn start_demo(test: &str) -> Option<(Tmux, tempfile::TempDir)> {
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED {test}: tmux not found");
        return None;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux {
        socket: format!("aicockpit-e2e-{}-{test}", std::process::id()),
    };
    let script = format!(
        "echo BEFORE; env HOME='{home}' AICOCKPIT_CONFIG_DIR='{home}/cfg' '{bin}' --demo; \
         echo AFTER-$?; echo MODE:$(stty -a | grep -o -e -icanon -e icanon | head -n1); \
         sleep 600",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_aicockpit"),
    );
    tmux.start(120, 40, &script);
    Some((tmux, home))
}

#[test]
fn demo_starts_switches_panes_and_restores_the_terminal() {
    let Some((tmux, _home)) = start_demo("keys") else {
        return;
    };

    // The header with the read-only badge, and the pane titles.
    // (A capture can land mid-frame, so wait for everything rather than assert on one capture.)
    let titles = ["Nodes", "Training", "Serving"];
    let screen = tmux.wait_for("the header and the pane titles", |s| {
        s.contains("DEMO · READ-ONLY") && titles.iter().all(|t| s.contains(t))
    });
    assert!(
        !screen.contains("BEFORE"),
        "not on the alternate screen:\n{screen}"
    );

    // Pause the replay so only our keys change the screen.
    tmux.keys(&["Space"]);
    let before = tmux.settle();

    // `2` focuses Training: its title row is drawn differently.
    tmux.keys(&["2"]);
    let after_2 = tmux.wait_styled_change("focus on Training", &before, "Training");
    // Tab moves on to Serving.
    let before_tab = tmux.settle();
    tmux.keys(&["Tab"]);
    tmux.wait_styled_change("focus on Serving", &before_tab, "Serving");
    assert_ne!(before, after_2);

    // `?` opens the help overlay, generated from the keymap; Esc closes it.
    let keymap = Keymap::embedded().expect("embedded keymap");
    let help_only = keymap
        .bindings
        .iter()
        .find(|b| !b.hint)
        .expect("a binding not in the footer")
        .desc
        .clone();
    assert!(!tmux.capture().contains(&help_only));
    tmux.keys(&["?"]);
    tmux.wait_for("the help overlay", |s| s.contains(&help_only));
    tmux.keys(&["Escape"]);
    let closed = tmux.wait_for("help to close", |s| !s.contains(&help_only));
    assert!(closed.contains("DEMO · READ-ONLY"));
    // For the README: the incident at its end (`]` jumps there), when asked for.
    if let Some(path) = std::env::var_os("AICOCKPIT_E2E_CAPTURE") {
        let before = tmux.capture_styled(true);
        tmux.keys(&["]"]);
        tmux.wait_for("the end of the replay", |_| {
            tmux.capture_styled(true) != before
        });
        tmux.settle();
        std::fs::write(path, tmux.capture()).expect("write capture");
    }

    // `q` quits: the shell prints after it, and the pre-run text is back.
    tmux.keys(&["q"]);
    let done = tmux.wait_for("the program to exit", |s| s.contains("AFTER-"));
    assert!(done.contains("AFTER-0"), "non-zero exit:\n{done}");
    let done = tmux.wait_for("the tty mode", |s| s.contains("MODE:"));
    assert!(done.contains("MODE:icanon"), "raw mode not left:\n{done}");
    assert!(
        done.contains("BEFORE"),
        "alternate screen not left:\n{done}"
    );
    assert!(
        !done.contains("DEMO · READ-ONLY"),
        "cockpit still on screen:\n{done}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some((tmux, _home)) = start_demo("sigterm") else {
        return;
    };
    // Wait until the cockpit owns the screen (alternate screen: the shell's text is gone).
    tmux.wait_for("the cockpit to start", |s| {
        !s.contains("BEFORE") && !s.trim().is_empty()
    });
    let shell = String::from_utf8_lossy(
        &tmux
            .cmd(&["display", "-p", "-t", "t", "#{pane_pid}"])
            .stdout,
    )
    .trim()
    .to_string();
    let pgrep = Command::new("pgrep")
        .args(["-P", &shell, "-x", "aicockpit"])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&pgrep.stdout).trim().to_string();
    assert!(!pid.is_empty(), "no aicockpit under shell {shell}");
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let done = tmux.wait_for("the program to exit", |s| s.contains("AFTER-"));
    assert!(
        done.contains("AFTER-143"),
        "want exit status 128+15:\n{done}"
    );
    assert!(
        done.contains("BEFORE"),
        "alternate screen not left:\n{done}"
    );
}
