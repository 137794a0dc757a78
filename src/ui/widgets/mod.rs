//! Reusable pieces the panes share: the list table with stateless scrolling and filter-aware
//! titles, and small text helpers.

pub mod spark;
pub mod table;
pub mod text;
