//! `FieldMap`: a device's per-field values (latest reading, series id) in a short vector.

use crate::accel::derive::telemetry::Field;

/// A small map from `Field` to `T`: a device carries a dozen fields at most, so a short vector
/// scanned linearly is cheaper to fill and read than a tree (the join writes one entry per
/// series, 160,000 of them on a 16,000-GPU cluster). Iterates in insertion order.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMap<T>(Vec<(Field, T)>);

impl<T> Default for FieldMap<T> {
    fn default() -> Self {
        FieldMap(Vec::new())
    }
}

impl<T> FieldMap<T> {
    pub fn new() -> Self {
        FieldMap::default()
    }

    /// Room for `n` fields without growing (an exporter sends about a dozen per device).
    pub fn with_capacity(n: usize) -> Self {
        FieldMap(Vec::with_capacity(n))
    }

    pub fn get(&self, f: &Field) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == f).map(|(_, v)| v)
    }

    /// Forget every field, keeping the room.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn contains_key(&self, f: &Field) -> bool {
        self.get(f).is_some()
    }

    /// Set `f`, returning the value it replaced.
    pub fn insert(&mut self, f: Field, v: T) -> Option<T> {
        match self.0.iter_mut().find(|(k, _)| *k == f) {
            Some((_, slot)) => Some(std::mem::replace(slot, v)),
            None => {
                self.0.push((f, v));
                None
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Field, &T)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
