//! The replay commands. `:speed N` sets the replay speed (1, 4, 16 or 60). `:seek WHEN` moves
//! the replay clock: WHEN is an offset from the start (`5:30`, `90s`, `2m`), a step from the
//! current position (`+30s`, `-1m`), or a wall-clock time of day in UTC, as the header shows it
//! (`10:32:30`). Only a replay can seek; out-of-range targets are refused with the range in
//! words.

use crate::contract::effect::{Effect, ReplayCmd};
use crate::contract::event::{NoticeLevel, SPEEDS};
use crate::domain::Millis;
use crate::domain::duration::parse_ms;
use crate::domain::text::mmss;
use crate::state::AppState;

const DAY_MS: Millis = 86_400_000;

/// Why a seek target cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeekError {
    #[error("seek needs a replay (live mode follows the cluster)")]
    NotReplaying,
    #[error("seek to what? try :seek 5:30, :seek 10:32:30, :seek +30s")]
    Empty,
    #[error("cannot read {0:?} as a time: try 5:30 (offset), 10:32:30 (UTC) or +30s")]
    Unreadable(String),
    #[error("{what} is outside the replay (00:00 to {end})")]
    OutOfRange { what: String, end: String },
}

fn field(s: &str) -> Option<Millis> {
    (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The offset from the replay's start that `arg` names, given the replay's start (event time),
/// its duration and the current offset.
pub fn target(
    arg: &str,
    start_ms: Millis,
    duration_ms: Millis,
    pos_ms: Millis,
) -> Result<Millis, SeekError> {
    let arg = arg.trim();
    if arg.is_empty() {
        return Err(SeekError::Empty);
    }
    let unreadable = || SeekError::Unreadable(arg.to_string());
    let parts: Vec<&str> = arg.split(':').collect();
    let offset = match parts.as_slice() {
        [m, s] => {
            let m: Millis = m.parse().map_err(|_| unreadable())?;
            let s = field(s).filter(|s| *s < 60).ok_or_else(unreadable)?;
            m * 60_000 + s * 1000
        }
        [h, m, s] => {
            let (h, m, s) = (field(h), field(m), field(s));
            let (Some(h), Some(m), Some(s)) = (h, m, s) else {
                return Err(unreadable());
            };
            if h > 23 || m > 59 || s > 59 {
                return Err(unreadable());
            }
            let day = start_ms - start_ms.rem_euclid(DAY_MS);
            let mut at = day + h * 3_600_000 + m * 60_000 + s * 1000;
            if at < start_ms {
                at += DAY_MS; // an incident that runs past midnight
            }
            at - start_ms
        }
        [one] => {
            let (sign, rest) = match one.as_bytes().first() {
                Some(b'+') => (1, &one[1..]),
                Some(b'-') => (-1, &one[1..]),
                _ => (0, *one),
            };
            let ms = parse_ms(rest).map_err(|_| unreadable())?;
            let ms = Millis::try_from(ms).map_err(|_| unreadable())?;
            if sign == 0 { ms } else { pos_ms + sign * ms }
        }
        _ => return Err(unreadable()),
    };
    if !(0..=duration_ms).contains(&offset) {
        return Err(SeekError::OutOfRange {
            what: if offset < 0 {
                format!("{arg} (before the start)")
            } else {
                format!("{arg} ({})", mmss(offset))
            },
            end: mmss(duration_ms),
        });
    }
    Ok(offset)
}

/// Run `:speed ARG`: the effects that set the replay speed, or a notice saying why not.
pub fn speed(state: &mut AppState, arg: &str) -> Vec<Effect> {
    let Some(target) = SPEEDS.iter().position(|s| s.to_string() == arg.trim()) else {
        state.ui.notify(
            NoticeLevel::Warn,
            format!("speed must be 1, 4, 16 or 60, not {arg:?}"),
            state.now_ms,
        );
        return Vec::new();
    };
    let mut effects = vec![Effect::Replay(ReplayCmd::Slower); SPEEDS.len() - 1];
    effects.extend(std::iter::repeat_n(
        Effect::Replay(ReplayCmd::Faster),
        target,
    ));
    effects
}

/// Run `:seek ARG`: an effect moving the replay clock, or a notice saying why not.
pub fn seek(state: &mut AppState, arg: &str) -> Vec<Effect> {
    let found = match (&state.replay, &state.replay_status) {
        (Some(info), status) if state.mode.is_replay() => target(
            arg,
            info.start_ms,
            info.duration_ms,
            status.as_ref().map_or(0, |s| s.pos_ms),
        ),
        _ => Err(SeekError::NotReplaying),
    };
    match found {
        Ok(offset) => vec![Effect::Replay(ReplayCmd::Seek(offset))],
        Err(e) => {
            state
                .ui
                .notify(NoticeLevel::Warn, e.to_string(), state.now_ms);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23 10:30:00 UTC
    const START: Millis = 1_763_893_800_000;
    const TEN_MIN: Millis = 600_000;

    #[test]
    fn offsets_steps_and_wall_clock() {
        assert_eq!(target("5:30", START, TEN_MIN, 0), Ok(330_000));
        assert_eq!(target("90s", START, TEN_MIN, 0), Ok(90_000));
        assert_eq!(target("+30s", START, TEN_MIN, 60_000), Ok(90_000));
        assert_eq!(target("-1m", START, TEN_MIN, 90_000), Ok(30_000));
        assert_eq!(target("10:32:30", START, TEN_MIN, 0), Ok(150_000));
        assert_eq!(target("0:00", START, TEN_MIN, 400_000), Ok(0));
    }

    #[test]
    fn refuses_what_it_cannot_reach_or_read() {
        assert!(matches!(
            target("11:00:00", START, TEN_MIN, 0),
            Err(SeekError::OutOfRange { .. })
        ));
        assert!(matches!(
            target("-5m", START, TEN_MIN, 60_000),
            Err(SeekError::OutOfRange { .. })
        ));
        assert_eq!(
            target("12:00", START, TEN_MIN, 0).map_err(|e| e.to_string()),
            Err("12:00 (12:00) is outside the replay (00:00 to 10:00)".to_string())
        );
        for bad in ["", "soon", "5:75", "25:00:00", "1:2:3:4", "+x"] {
            assert!(target(bad, START, TEN_MIN, 0).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wall_clock_past_midnight_is_the_next_day() {
        let start = START - START.rem_euclid(DAY_MS) + 23 * 3_600_000 + 55 * 60_000; // 23:55
        assert_eq!(target("00:02:00", start, TEN_MIN, 0), Ok(420_000));
    }

    fn typed(state: &mut AppState, text: &str) -> Vec<Effect> {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut effects = Vec::new();
        let key = |c| crate::contract::event::Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
        for c in std::iter::once(':').chain(text.chars()) {
            effects.extend(crate::state::update(state, key(KeyCode::Char(c))));
        }
        effects.extend(crate::state::update(state, key(KeyCode::Enter)));
        effects
    }

    #[test]
    fn the_command_line_seeks_a_replay_and_explains_in_live_mode() {
        use crate::contract::event::{Msg, ReplayInfo};
        use crate::settings::keymap::Keymap;
        use crate::state::Mode;
        let keymap = Keymap::embedded().expect("embedded keymap");
        let mut demo = AppState::new(Mode::Demo, keymap.clone());
        crate::state::update(
            &mut demo,
            Msg::ReplayLoaded(ReplayInfo {
                name: "x".into(),
                title: "x".into(),
                start_ms: START,
                duration_ms: TEN_MIN,
                density: Vec::new(),
            }),
        );
        assert_eq!(
            typed(&mut demo, "seek 5:30"),
            vec![Effect::Replay(ReplayCmd::Seek(330_000))]
        );
        let mut live = AppState::new(
            Mode::Live {
                context: "prod".into(),
                read_only: true,
            },
            keymap,
        );
        assert!(typed(&mut live, "seek 5:30").is_empty());
        let notice = live
            .ui
            .notices
            .back()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        assert!(notice.contains("needs a replay"), "{notice}");
    }
}
