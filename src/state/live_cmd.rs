//! The `:ctx NAME` and `:ns NAME` commands: re-point a live session at another kubeconfig context
//! or namespace scope. The reducer forgets the old cluster's world at once (so nothing of it is
//! shown under the new name) and asks the runner, through `Effect::Live`, to restart the sources.

use crate::contract::effect::{Effect, LiveCmd};
use crate::contract::event::NoticeLevel;
use crate::state::{AppState, Mode};

/// The namespace scope a `:ns` argument names: `all`, `-A`, `*` or nothing mean all namespaces.
pub fn namespace_arg(arg: &str) -> Option<String> {
    match arg.trim() {
        "" | "all" | "-A" | "*" => None,
        ns => Some(ns.to_string()),
    }
}

/// Handle `:ctx` / `:ns` (`word` is the command, `arg` the rest). `None` when `word` is neither.
pub fn command(state: &mut AppState, word: &str, arg: &str) -> Option<Vec<Effect>> {
    let is_ctx = matches!(word, "ctx" | "context");
    if !is_ctx && !matches!(word, "ns" | "namespace") {
        return None;
    }
    let now = state.now_ms;
    let Mode::Live { context, .. } = &mut state.mode else {
        state.ui.notify(
            NoticeLevel::Warn,
            format!(":{word} needs a live cluster session; this one replays a recording"),
            now,
        );
        return Some(Vec::new());
    };
    let arg = arg.trim();
    let cmd = if is_ctx {
        if arg.is_empty() {
            let text = format!("context: {context} (`:ctx NAME` switches)");
            state.ui.notify(NoticeLevel::Info, text, now);
            return Some(Vec::new());
        }
        *context = arg.to_string();
        LiveCmd::Context(arg.to_string())
    } else {
        LiveCmd::Namespace(namespace_arg(arg))
    };
    let text = match &cmd {
        LiveCmd::Context(c) => format!("switching to context {c}"),
        LiveCmd::Namespace(Some(ns)) => format!("watching namespace {ns}"),
        LiveCmd::Namespace(None) => "watching all namespaces".to_string(),
    };
    state.world = state.world.emptied();
    state.attention.clear();
    state.views_stale = true;
    state.ui.notify(NoticeLevel::Info, text, now);
    Some(vec![Effect::Live(cmd)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{Msg, SourceEvent, TimedEvent};
    use crate::settings::keymap::Keymap;
    use crate::state::update;

    fn live() -> AppState {
        let mode = Mode::Live {
            context: "prod".into(),
            read_only: true,
        };
        AppState::new(mode, Keymap::default())
    }

    fn node(st: &mut AppState) {
        let object = serde_json::json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "gpu-1"}});
        update(
            st,
            Msg::Source(vec![TimedEvent {
                at_ms: 1,
                ev: SourceEvent::Upsert { object },
            }]),
        );
    }

    #[test]
    fn ctx_switches_and_forgets_the_old_world() {
        let mut st = live();
        node(&mut st);
        assert_eq!(st.world.nodes.len(), 1);
        let fx = command(&mut st, "ctx", " staging ").expect("handled");
        assert_eq!(fx, vec![Effect::Live(LiveCmd::Context("staging".into()))]);
        assert!(st.world.nodes.is_empty());
        assert!(
            matches!(&st.mode, Mode::Live { context, read_only: true } if context == "staging")
        );
    }

    #[test]
    fn ns_takes_a_name_or_all() {
        let mut st = live();
        let fx = command(&mut st, "ns", "ml").expect("handled");
        assert_eq!(
            fx,
            vec![Effect::Live(LiveCmd::Namespace(Some("ml".into())))]
        );
        let fx = command(&mut st, "namespace", "all").expect("handled");
        assert_eq!(fx, vec![Effect::Live(LiveCmd::Namespace(None))]);
        assert!(command(&mut st, "nodes", "").is_none());
    }

    #[test]
    fn replay_sessions_refuse_with_a_notice() {
        let mut st = AppState::new(Mode::Demo, Keymap::default());
        node(&mut st);
        let fx = command(&mut st, "ctx", "prod").expect("handled");
        assert!(fx.is_empty());
        assert_eq!(st.world.nodes.len(), 1, "the replayed world is kept");
        assert_eq!(st.mode, Mode::Demo);
    }
}
