//! Rendering results for people: console tables now; markdown and HTML come with compare.
//!
//! Reads only the result types, so any saved result can be rendered again.

mod console;

pub use console::{run_table, thousands, Table};
