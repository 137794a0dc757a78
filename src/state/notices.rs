//! Notices that follow what they are about: a source's health turning bad is a warning on the
//! topic `source:<name>` (a later change of the same source replaces it, its recovery marks it
//! resolved), and a file the shell wrote, or could not, is a notice on `file:<path>` that also
//! tells the walkthrough its evidence is (or is not) written.

use crate::contract::event::WriteError;
use crate::contract::event::{HealthState, NoticeLevel, SourceEvent, TimedEvent};
use crate::state::AppState;

/// Before `te` is applied: the notice its health change calls for, if any.
pub fn source_health(state: &mut AppState, te: &TimedEvent) {
    let SourceEvent::SourceHealth {
        source,
        state: now,
        message,
    } = &te.ev
    else {
        return;
    };
    let before = state.world.health.get(source).map(|h| h.state);
    let topic = format!("source:{source}");
    let level = match now {
        HealthState::Ok => {
            if before.is_some_and(|b| b != HealthState::Ok) {
                state.ui.resolve(&topic, te.at_ms);
            }
            return;
        }
        // still listing: nothing to warn about, and nothing resolved yet
        HealthState::Syncing => return,
        _ if before == Some(*now) => return,
        HealthState::Degraded => NoticeLevel::Warn,
        HealthState::Forbidden | HealthState::Unavailable => NoticeLevel::Error,
    };
    let word = format!("{now:?}").to_lowercase();
    let text = if message.is_empty() {
        format!("{source} {word}")
    } else {
        format!("{source} {word}: {message}")
    };
    state.ui.notify_on(&topic, level, text, te.at_ms);
}

/// The shell's answer to `Effect::WriteFile`.
pub fn written(state: &mut AppState, path: &str, result: Result<usize, WriteError>) {
    let topic = format!("file:{path}");
    let now = state.now_ms;
    match &result {
        Ok(bytes) => {
            let text = format!("wrote {path} ({bytes} bytes)");
            state.ui.notify_on(&topic, NoticeLevel::Info, text, now);
        }
        Err(e) => {
            let text = format!("could not write {path}: {e}");
            state.ui.notify_on(&topic, NoticeLevel::Error, text, now);
        }
    }
    crate::triage::view::on_written(state, path, result.map(|_| ()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::Msg;
    use crate::settings::keymap::Keymap;
    use crate::state::{Mode, update};

    fn health(st: &mut AppState, at_ms: i64, source: &str, state: HealthState, message: &str) {
        let ev = SourceEvent::SourceHealth {
            source: source.into(),
            state,
            message: message.into(),
        };
        update(st, Msg::Source(vec![TimedEvent { at_ms, ev }]));
    }

    fn newest(st: &AppState) -> (NoticeLevel, String, Option<i64>) {
        let n = st.ui.notices.back().expect("a notice");
        (n.level, n.text.clone(), n.resolved_ms)
    }

    #[test]
    fn an_unreachable_source_warns_and_the_warning_is_resolved_when_it_recovers() {
        let mut st = AppState::new(Mode::Demo, Keymap::default());
        health(
            &mut st,
            1_000,
            "prometheus",
            HealthState::Ok,
            "http://p:9090",
        );
        assert!(st.ui.notices.is_empty(), "a healthy source says nothing");
        health(
            &mut st,
            2_000,
            "prometheus",
            HealthState::Unavailable,
            "unreachable: connection refused",
        );
        let (level, text, resolved) = newest(&st);
        assert_eq!(level, NoticeLevel::Error);
        assert_eq!(
            text,
            "prometheus unavailable: unreachable: connection refused"
        );
        assert_eq!(resolved, None);
        health(
            &mut st,
            9_000,
            "prometheus",
            HealthState::Ok,
            "http://p:9090",
        );
        assert_eq!(newest(&st).2, Some(9_000), "recovery resolves the warning");
        assert_eq!(st.ui.notices.len(), 1, "and adds no notice of its own");
    }

    #[test]
    fn a_newer_notice_on_the_same_source_replaces_the_older() {
        let mut st = AppState::new(Mode::Demo, Keymap::default());
        health(
            &mut st,
            1_000,
            "kube/nodes",
            HealthState::Degraded,
            "watch restarted",
        );
        health(
            &mut st,
            2_000,
            "kube/pods",
            HealthState::Forbidden,
            "403 on pods",
        );
        health(
            &mut st,
            3_000,
            "kube/nodes",
            HealthState::Unavailable,
            "API server unreachable",
        );
        health(
            &mut st,
            3_500,
            "kube/nodes",
            HealthState::Unavailable,
            "API server unreachable",
        );
        let texts: Vec<&str> = st.ui.notices.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "kube/pods forbidden: 403 on pods",
                "kube/nodes unavailable: API server unreachable"
            ]
        );
    }

    #[test]
    fn a_failed_write_is_replaced_by_a_later_success_for_the_same_file() {
        let mut st = AppState::new(Mode::Demo, Keymap::default());
        let path = "out/report.md".to_string();
        update(
            &mut st,
            Msg::Written {
                path: path.clone(),
                result: Err("No such file or directory".into()),
            },
        );
        assert_eq!(newest(&st).0, NoticeLevel::Error);
        update(
            &mut st,
            Msg::Written {
                path,
                result: Ok(12),
            },
        );
        assert_eq!(st.ui.notices.len(), 1);
        assert_eq!(newest(&st).1, "wrote out/report.md (12 bytes)");
    }
}
