//! Derived view state for the Triage pane (playbook runs, the path taken, conclusions and the 10-minute walkthrough).
//! Recomputed by `refresh` on a tick after the world changed (never per frame); pane-specific
//! actions arrive through `on_action` while the pane has focus.

use super::AppState;
use crate::action::Action;
use crate::effect::Effect;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriageView {}

/// Recompute the view from `state.world`.
pub fn refresh(_state: &mut AppState) {}

/// Handle an action while this pane has focus; `None` leaves it to the generic handling.
pub fn on_action(_state: &mut AppState, _action: Action) -> Option<Vec<Effect>> {
    None
}
