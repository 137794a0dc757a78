//! The Serving pane: Deployments, StatefulSets and InferenceServices that serve models, with
//! readiness, server kind and image. Latency, queue and throughput columns say `—` until the
//! metrics behind them are computed (never a fake zero).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;
use serde_json::Value;

use crate::analysis::workloads::{ServerKind, first_image};
use crate::domain::ObjKey;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::theme::Theme;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, highlighted};

const HEADERS: &[&str] = &[
    "NAME",
    "NAMESPACE",
    "KIND",
    "READY",
    "SERVER",
    "P99",
    "QUEUE",
    "TOK/S",
    "IMAGE",
];

/// What is not computed yet.
const UNKNOWN: &str = "—";

fn kind_short(kind: &str) -> &str {
    match kind {
        "Deployment" => "deploy",
        "StatefulSet" => "sts",
        "InferenceService" => "isvc",
        other => other,
    }
}

/// READY as `ready/desired`, plus whether it is short; InferenceServices by their Ready condition.
pub fn readiness(obj: &Value) -> (String, bool) {
    if obj.get("kind").and_then(Value::as_str) == Some("InferenceService") {
        let cond = obj
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
            .and_then(|c| c.get("status").and_then(Value::as_str));
        return match cond {
            Some("True") => ("ready".into(), false),
            Some(_) => ("not ready".into(), true),
            None => ("?".into(), true),
        };
    }
    let want = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let ready = obj
        .pointer("/status/readyReplicas")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    (format!("{ready}/{want}"), ready < want)
}

fn image(obj: &Value) -> String {
    let img = first_image(obj);
    if !img.is_empty() {
        return img.to_string();
    }
    [
        "/spec/predictor/model/storageUri",
        "/spec/predictor/model/modelFormat/name",
    ]
    .iter()
    .find_map(|p| obj.pointer(p).and_then(Value::as_str))
    .unwrap_or("-")
    .to_string()
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Serving;
    let w = &state.world;
    let needle = Needle::new(state.ui.filter(pane));
    let matched: Vec<(&ObjKey, &ServerKind)> = w
        .index
        .serving
        .iter()
        .filter(|(k, s)| {
            needle
                .as_ref()
                .is_none_or(|n| n.any(&[&k.name, &k.namespace, &k.kind, s.label()]))
        })
        .collect();
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let texts: Vec<([String; 9], bool)> = visible
        .iter()
        .map(|(k, s)| {
            let obj = w.objects.get(*k);
            let (ready, short) = obj.map_or(("?".into(), true), readiness);
            let t = [
                k.name.clone(),
                k.namespace.clone(),
                kind_short(&k.kind).to_string(),
                ready,
                s.label().to_string(),
                UNKNOWN.into(),
                UNKNOWN.into(),
                UNKNOWN.into(),
                obj.map_or_else(|| "-".into(), image),
            ];
            (t, short)
        })
        .collect();
    let col = |i: usize, min: u16, max: u16| {
        table::fitted(HEADERS, texts.iter().map(|t| &t.0), i, min, max)
    };
    let widths = vec![
        col(0, 8, 32),
        col(1, 9, 20),
        col(2, 4, 6),
        col(3, 5, 9),
        col(4, 6, 6),
        col(5, 3, 5),
        col(6, 5, 5),
        col(7, 5, 5),
        Constraint::Fill(1),
    ];
    let rows = texts
        .into_iter()
        .map(|(t, short)| {
            let [name, ns, kind, ready, server, p99, queue, toks, img] = t;
            let hl = |s: String| highlighted(s, needle.as_ref(), theme.base, theme.highlight);
            vec![
                Cell::from(hl(name)),
                Cell::from(hl(ns)),
                Cell::from(hl(kind)).style(theme.dim),
                Cell::from(ready).style(if short { theme.warn } else { theme.ok }),
                Cell::from(hl(server)),
                Cell::from(p99).style(theme.dim),
                Cell::from(queue).style(theme.dim),
                Cell::from(toks).style(theme.dim),
                Cell::from(img).style(theme.dim),
            ]
        })
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
            droppable: &[2, 7, 6, 1],
        },
        Visible {
            rows,
            window: win,
            shown: matched.len(),
            total: w.index.serving.len(),
            empty: "no model servers seen (vLLM, Triton, TGI, KServe)".into(),
        },
    );
}
