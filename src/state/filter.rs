//! Pane filters: case-insensitive matching without allocation, shared by the views that
//! pick rows (state) and the panes that highlight matches (ui).

/// A pane filter, lowercased once per frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    lower: String,
    ascii: bool,
}

impl Needle {
    /// `None` for an empty filter (everything matches).
    pub fn new(filter: &str) -> Option<Needle> {
        let f = filter.trim();
        (!f.is_empty()).then(|| Needle {
            lower: f.to_lowercase(),
            ascii: f.is_ascii(),
        })
    }

    /// Where the needle first occurs in `hay` (byte offset and length in `hay`), ignoring case.
    pub fn find(&self, hay: &str) -> Option<(usize, usize)> {
        if self.ascii {
            let n = self.lower.as_bytes();
            let h = hay.as_bytes();
            if n.len() > h.len() {
                return None;
            }
            (0..=h.len() - n.len())
                .find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
                .filter(|&i| hay.is_char_boundary(i) && hay.is_char_boundary(i + n.len()))
                .map(|i| (i, n.len()))
        } else {
            let lower = hay.to_lowercase();
            // Only trust offsets when lowercasing kept byte lengths.
            if lower.len() != hay.len() {
                return lower.find(&self.lower).map(|_| (0, 0));
            }
            lower.find(&self.lower).map(|i| (i, self.lower.len()))
        }
    }

    pub fn matches(&self, hay: &str) -> bool {
        self.find(hay).is_some()
    }

    /// Whether any of the fields matches.
    pub fn any(&self, fields: &[&str]) -> bool {
        fields.iter().any(|f| self.matches(f))
    }
}
