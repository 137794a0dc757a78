//! `aicockpit scenarios`: the built-in incident scenarios as a table (name, title, duration,
//! first line of the description), the default marked.

use crate::domain::text::mmss;
use crate::sources::embedded;

/// The `scenarios` table: name, title, duration, description (first line); the default marked.
pub fn scenarios_table() -> String {
    let list = embedded::list();
    let name_w = list
        .iter()
        .map(|i| i.name.len() + 2)
        .max()
        .unwrap_or(4)
        .max(4);
    let title_w = list.iter().map(|i| i.title.len()).max().unwrap_or(5).max(5);
    let mut out = format!(
        "{:<name_w$}  {:<title_w$}  {:>8}  DESCRIPTION\n",
        "NAME", "TITLE", "DURATION"
    );
    for i in &list {
        let name = if i.name == embedded::DEFAULT_SCENARIO {
            format!("{} *", i.name)
        } else {
            i.name.to_string()
        };
        let desc = i.description.lines().next().unwrap_or("");
        out.push_str(&format!(
            "{name:<name_w$}  {:<title_w$}  {:>8}  {desc}\n",
            i.title,
            mmss(i.duration_ms)
        ));
    }
    out.push_str(&format!(
        "\n* default: `aicockpit --demo` plays {}; `aicockpit --demo NAME` plays another.\n",
        embedded::DEFAULT_SCENARIO
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_embedded_scenario() {
        let t = scenarios_table();
        for i in embedded::list() {
            assert!(t.contains(i.name) && t.contains(&i.title), "{t}");
        }
    }
}
