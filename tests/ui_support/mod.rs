//! Helpers for UI tests: build an `AppState` from scenario text through the real reducer, and
//! render it on a `TestBackend` as plain text.
#![allow(dead_code)]

use aicockpit::contract::event::Msg;
use aicockpit::contract::scenario;
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::sources::replay::Replayer;
use aicockpit::state::{self, AppState, Mode};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Buckets in the replay density strip used by tests.
pub const DENSITY_BUCKETS: usize = 120;

/// A demo-mode state with the scenario replayed up to `until_ms` of scenario time (the whole
/// scenario when `None`), applied through `state::update` as the app would.
pub fn state_from(text: &str, until_ms: Option<i64>) -> AppState {
    let sc = scenario::parse(text, "test scenario").expect("scenario parses");
    let keymap = Keymap::embedded().expect("embedded keymap");
    let mut st = AppState::new(Mode::Demo, keymap);
    let mut rp = Replayer::new(sc);
    state::update(&mut st, Msg::ReplayLoaded(rp.info(DENSITY_BUCKETS)));
    let mut events = rp.prime();
    let until = until_ms.unwrap_or(rp.duration_ms());
    events.extend(rp.advance_to(until));
    state::update(&mut st, Msg::Source(events));
    state::update(
        &mut st,
        Msg::Tick {
            now_ms: rp.now_ms(),
        },
    );
    state::update(&mut st, Msg::Replay(rp.status()));
    state::update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    st
}

/// The mini fixture scenario.
pub fn mini() -> &'static str {
    include_str!("../fixtures/mini.jsonl")
}

/// Render `state` at `w`×`h` with the plain theme; one text line per row, trailing spaces cut.
pub fn render(state: &AppState, w: u16, h: u16) -> String {
    render_with(state, w, h, &Theme::plain())
}

/// Render with a given theme.
pub fn render_with(state: &AppState, w: u16, h: u16, theme: &Theme) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    term.draw(|f| aicockpit::ui::draw(f, state, theme))
        .expect("draw");
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
