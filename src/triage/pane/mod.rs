//! The Triage pane: the attention list (see `triage::attention`), what is not known first
//! (marked `?`), then most severe first, one row per problem with a severity glyph, what, where
//! and since when, the symptoms a root cause explains indented under it (`↳`); "nothing needs
//! attention" only when the list is empty, which it is only when every source it reads is
//! synced and healthy. After `W` the ranked findings of "what's wrong?" (conclusion, subject,
//! root cause); a walked playbook and the 10-minute walkthrough are drawn by `triage_detail`.

pub mod detail;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::triage::attention::{Item, Subject};
use crate::triage::attention_rank::Ranked;
use crate::triage::view::TriageMode;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted, utc};

const HEADERS: &[&str] = &["", "WHAT", "WHERE", "SINCE"];

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    match state.triage.mode {
        TriageMode::Attention => draw_attention(frame, area, state, theme),
        TriageMode::Findings => draw_findings(frame, area, state, theme),
        TriageMode::Playbook => crate::triage::pane::detail::draw_run(frame, area, state, theme),
        TriageMode::Walkthrough => {
            crate::triage::pane::detail::draw_walkthrough(frame, area, state, theme)
        }
    }
}

const FINDING_HEADERS: &[&str] = &["", "CONCLUSION", "SUBJECT", "ROOT CAUSE"];

fn draw_findings(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Triage;
    let f = &state.triage.findings;
    let win = table::window(state.ui.selected(pane), f.len(), table::body_height(area));
    let shown = &f[win.offset..win.offset + win.len];
    let cw = table::fit(
        FINDING_HEADERS[1],
        shown.iter().map(|x| x.conclusion.as_str()),
        10,
        34,
    );
    let sw = table::fit(
        FINDING_HEADERS[2],
        shown.iter().map(|x| x.subject.as_str()),
        8,
        44,
    );
    let widths = vec![
        Constraint::Length(1),
        Constraint::Length(cw),
        Constraint::Length(sw),
        Constraint::Fill(1),
    ];
    let rows = shown
        .iter()
        .map(|x| {
            let sev = (x.severity, theme.severity(x.severity));
            vec![
                Cell::from(sev.0.glyph()).style(sev.1),
                Cell::from(x.conclusion.clone()).style(theme.title),
                Cell::from(x.subject.clone()),
                Cell::from(x.root_cause.clone()).style(theme.dim),
            ]
        })
        .collect();
    let empty = match (&state.triage.error, state.triage.findings_at) {
        (Some(e), _) => e.clone(),
        (None, Some(t)) => format!("nothing wrong found at {}", utc(t)),
        (None, None) => "press W to run every playbook".into(),
    };
    table::draw_table(
        frame,
        area,
        state,
        theme,
        pane,
        Columns {
            headers: FINDING_HEADERS,
            widths,
            droppable: &[3],
        },
        Visible {
            rows,
            window: win,
            shown: f.len(),
            total: f.len(),
            empty,
        },
    );
}

/// One row: `?` for what is not known, else the severity glyph; a symptom explained by the root
/// cause above it indented under it.
fn attention_row(
    i: &Item,
    (what, place): (String, String),
    needle: Option<&Needle>,
    now_ms: crate::domain::Millis,
    theme: &Theme,
) -> Vec<Cell<'static>> {
    let hl = |s: String| highlighted(s, needle, theme.base, theme.highlight);
    let glyph = match i.subject {
        Subject::Unknown(_) => "?",
        _ => i.severity.glyph(),
    };
    let what = match i.explained {
        true => format!("↳ {what}"),
        false => what,
    };
    vec![
        Cell::from(glyph).style(theme.severity(i.severity)),
        Cell::from(hl(what)),
        Cell::from(hl(place)),
        Cell::from(age(now_ms, i.since_ms)).style(theme.dim),
    ]
}

fn draw_attention(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Triage;
    let needle = Needle::new(state.ui.filter(pane));
    let world = &state.world;
    // Without a filter only the rows on screen are resolved; a filter needs every row's text.
    let matched: Vec<&Ranked> = match &needle {
        None => state.attention.iter().collect(),
        Some(n) => state
            .attention
            .iter()
            .filter(|r| {
                r.item(world)
                    .is_some_and(|i| n.matches(&i.what()) || n.matches(&i.place()))
            })
            .collect(),
    };
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible: Vec<Item> = matched[win.offset..win.offset + win.len]
        .iter()
        .filter_map(|r| r.item(world))
        .collect();
    let texts: Vec<(String, String)> = visible.iter().map(|i| (i.what(), i.place())).collect();
    let place_w = table::fit(HEADERS[2], texts.iter().map(|t| t.1.as_str()), 8, 40);
    let widths = vec![
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(place_w),
        Constraint::Length(5),
    ];
    let rows = visible
        .iter()
        .zip(texts)
        .map(|(i, text)| attention_row(i, text, needle.as_ref(), state.now_ms, theme))
        .collect();
    table::draw_table(
        frame,
        area,
        state,
        theme,
        pane,
        Columns {
            headers: HEADERS,
            widths,
            droppable: &[],
        },
        Visible {
            rows,
            window: win,
            shown: matched.len(),
            total: state.attention.len(),
            empty: match state.triage.ranked_at {
                Some(_) => "nothing needs attention".into(),
                None => "not looked at yet".into(),
            },
        },
    );
}
