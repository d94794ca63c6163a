//! Rendering results for people: console tables, markdown (PR comments) and a
//! self-contained HTML page with SVG charts.
//!
//! Reads only the result types, so any saved result can be rendered again; never prints.

mod any;
mod baseline;
mod caveats;
mod console;
mod field;
#[cfg(test)]
pub(crate) mod fixtures;
mod html;
mod html_check;
mod html_compare;
mod machine;
mod markdown;
mod markdown_check;
mod markdown_compare;
mod streaming;
mod svg;
mod view;

pub use any::{read_any, AnyResult};
pub use caveats::{compare_caveats, load_caveats, run_caveats, Caveat};
pub use console::{check_table, compare_table, run_table, thousands, Table};
pub use field::{field_markdown, read_field, FieldError, FieldResults};
pub use html::HtmlReport;
pub use markdown::MarkdownReport;
pub use markdown_check::check_markdown;

/// A reporter: turns a result into the bytes of one output format.
pub trait Report {
    /// The whole document for `result`.
    fn render(&self, result: &AnyResult) -> String;
}
