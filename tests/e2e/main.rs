//! End-to-end tests: the real binary against real apps and against small test servers
//! (`tests/apps/mock_server.py`) for the failure cases. Every test checks that no process
//! it caused is left running. No test asserts on a timing.

mod bad_input;
mod check;
mod ci_script;
mod compare;
mod compare_verdicts;
mod conveniences;
mod docs;
mod failures;
mod field;
mod helpers;
mod history;
mod history_influx;
mod http2;
mod mixed;
mod multipart;
mod pinning;
mod profile;
mod profile_heap;
mod profile_node;
mod profile_python;
mod profile_ruby;
mod real_apps;
mod schema_validation;
mod shard;
mod shard_history;
mod streaming;
mod variants;
