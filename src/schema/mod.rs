//! Result file types (RESULTS.md) and their JSON Schemas; pure data, talks to nothing.
//!
//! Field names follow the original design so that existing tooling keeps working; new
//! fields are only ever added beside them.

mod check;
mod compare;
pub mod hdr;
mod io;
mod mixed;
mod profile;
mod result;
mod sharding;
mod streaming;

pub use check::*;
pub use compare::*;
pub use io::{read_result, write_atomic, ReadError, SCHEMA_VERSION};
pub use mixed::*;
pub use profile::*;
pub use result::*;
pub use sharding::*;
pub use streaming::*;

use schemars::schema_for;

/// JSON Schema of the run/profile result file, pretty-printed.
pub fn run_result_schema() -> String {
    serde_json::to_string_pretty(&schema_for!(RunResult)).expect("a schema always serialises") + "\n"
}

/// JSON Schema of the compare result file, pretty-printed.
pub fn compare_result_schema() -> String {
    serde_json::to_string_pretty(&schema_for!(CompareResult)).expect("a schema always serialises") + "\n"
}

/// JSON Schema of the check result file, pretty-printed.
pub fn check_result_schema() -> String {
    serde_json::to_string_pretty(&schema_for!(CheckResult)).expect("a schema always serialises") + "\n"
}
