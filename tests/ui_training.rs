//! The Training pane on the embedded default scenario (`rdma-netpol`): the jobs list, the rank
//! grid of the PyTorchJob `llm-pretrain` and the log viewer (one rank, and every rank merged)
//! with NCCL highlighting, search and `:grep`.

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::effect::Effect;
use aicockpit::contract::event::Msg;
use aicockpit::contract::scenario;
use aicockpit::sources::embedded;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState};
use aicockpit::training::view::Level;
use common::{render, state_from};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn default_text() -> String {
    let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default scenario");
    scenario::to_text(&s)
}

fn act(st: &mut AppState, a: Action) -> Vec<Effect> {
    state::update(st, Msg::Action(a))
}

fn typed(st: &mut AppState, text: &str) {
    for c in text.chars() {
        state::update(
            st,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    state::update(
        st,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
}

/// The end of the incident with the Training pane zoomed and the llm-pretrain job selected.
fn at_job() -> AppState {
    let mut st = state_from(&default_text(), None);
    st.ui.focus = Pane::Training;
    act(&mut st, Action::Zoom);
    let idx = st
        .training
        .jobs
        .iter()
        .position(|j| j.name == "llm-pretrain")
        .expect("llm-pretrain is a training job");
    st.ui.selected.insert(Pane::Training, idx);
    st
}

#[test]
fn jobs_list() {
    let st = at_job();
    let j = st.training.open_job();
    assert!(j.is_none());
    let screen = render(&st, 140, 30);
    assert!(screen.contains("llm-pretrain"), "{screen}");
    assert!(screen.contains("PyTorchJob"), "{screen}");
    assert!(
        screen.contains("resnet50-npu"),
        "the Ascend job is grouped: {screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn rank_grid() {
    let mut st = at_job();
    act(&mut st, Action::Select);
    assert_eq!(st.training.level, Level::Ranks);
    let job = st.training.open_job().expect("open job");
    assert_eq!(job.ranks.len(), 4);
    assert!(
        job.ranks.iter().any(|r| r.nccl.fell_back),
        "IB -> Socket seen"
    );
    let screen = render(&st, 160, 30);
    assert!(screen.contains("Socket←IB"), "{screen}");
    assert!(screen.contains("first failure"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn log_viewer_merged_with_search() {
    let mut st = at_job();
    act(&mut st, Action::Select);
    act(&mut st, Action::Follow);
    assert_eq!(st.training.level, Level::Logs);
    st.ui.mode = aicockpit::state::ui::InputMode::Normal;
    act(&mut st, Action::Filter);
    typed(&mut st, "watchdog");
    act(&mut st, Action::JumpError);
    {
        let v = st.training.viewer.as_ref().expect("viewer");
        let line = v.line(&st.world.logs, v.cursor).expect("cursor line");
        assert!(line.line.contains("Error"), "first error: {}", line.line);
        assert!(!v.follow);
    }
    act(&mut st, Action::SearchNext);
    let v = st.training.viewer.as_ref().expect("viewer");
    let line = v.line(&st.world.logs, v.cursor).expect("cursor line");
    assert!(line.line.contains("Watchdog") || line.line.contains("watchdog"));
    let screen = render(&st, 160, 30);
    assert!(screen.contains("nccl.watchdog_timeout"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn log_viewer_one_rank_grep_and_save() {
    let mut st = at_job();
    act(&mut st, Action::Select);
    act(&mut st, Action::Select);
    act(&mut st, Action::Command);
    typed(&mut st, "grep NCCL (WARN|INFO) (NET|Using|Init)");
    let v = st.training.viewer.as_ref().expect("viewer");
    assert!(v.include.is_some());
    act(&mut st, Action::Timestamps);
    let screen = render(&st, 160, 24);
    assert!(screen.contains("grep /"), "{screen}");
    insta::assert_snapshot!(screen);
    let fx = act(&mut st, Action::Save);
    match fx.as_slice() {
        [Effect::WriteFile { path, contents }] => {
            assert!(path.ends_with(".log"));
            assert!(contents.lines().all(|l| l.contains("NCCL")), "{contents}");
        }
        other => panic!("expected one WriteFile, got {other:?}"),
    }
    act(&mut st, Action::Back);
    assert_eq!(st.training.level, Level::Ranks);
    act(&mut st, Action::Back);
    assert_eq!(st.training.level, Level::Jobs);
}

#[test]
fn search_matches_are_highlighted_in_the_viewer() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut st = at_job();
    act(&mut st, Action::Select);
    act(&mut st, Action::Follow);
    act(&mut st, Action::Filter);
    typed(&mut st, "watchdog caught");
    act(&mut st, Action::SearchNext);
    let theme = aicockpit::settings::theme::Theme::default_theme();
    let hl_bg = theme
        .highlight
        .bg
        .expect("the default theme gives matches a background");
    let mut term = Terminal::new(TestBackend::new(160, 30)).expect("terminal");
    term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
        .expect("draw");
    let buf = term.backend().buffer();
    let mut found = 0;
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        if let Some(col) = row.find("Watchdog caught") {
            let x = row[..col].chars().count() as u16;
            let hl = buf[(x, y)].bg == hl_bg;
            let before = buf[(x.saturating_sub(2), y)].bg == hl_bg;
            assert!(hl && !before, "only the match is highlighted on row {y}");
            found += 1;
        }
    }
    assert!(found >= 1, "a matching line is on screen");
}

/// `n` says where it is among the matches ("match 1/N" in the title), and says "no more
/// matches" when it wraps around or finds none.
#[test]
fn search_counts_matches_and_says_when_there_are_no_more() {
    let mut st = at_job();
    act(&mut st, Action::Select);
    act(&mut st, Action::Follow);
    act(&mut st, Action::Filter);
    typed(&mut st, "watchdog");
    // following: the cursor is on the last line, so `n` wraps to the first match
    act(&mut st, Action::SearchNext);
    let hit = st
        .training
        .viewer
        .as_ref()
        .and_then(|v| v.hit.clone())
        .expect("a match");
    assert!(hit.count >= 2, "{hit:?}");
    assert_eq!((hit.index, hit.wrapped), (1, true));
    let last = st.ui.notices.back().expect("a notice").text.clone();
    assert_eq!(
        last,
        format!("no more matches: back at the first (1/{})", hit.count)
    );
    let screen = render(&st, 160, 30);
    assert!(
        screen.contains(&format!("match 1/{}", hit.count)),
        "{screen}"
    );
    act(&mut st, Action::SearchNext);
    let v = st.training.viewer.as_ref().expect("viewer");
    assert_eq!(
        v.hit.as_ref().map(|h| (h.index, h.wrapped)),
        Some((2, false))
    );
    let screen = render(&st, 160, 30);
    assert!(
        screen.contains(&format!("match 2/{}", hit.count)),
        "{screen}"
    );
    // a search for what no line says
    act(&mut st, Action::Filter);
    typed(&mut st, "no such text anywhere");
    act(&mut st, Action::SearchPrev);
    let last = st.ui.notices.back().expect("a notice").text.clone();
    assert!(last.starts_with("no more matches"), "{last}");
    let screen = render(&st, 160, 30);
    assert!(
        !screen.contains("match 2/"),
        "a stale count is not shown: {screen}"
    );
}
