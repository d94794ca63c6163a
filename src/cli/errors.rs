//! Exit codes: 2 for usage and input errors, 1 for run-time failures.

use crate::app::AppError;
use crate::history::alert::AlertError;
use crate::history::{HistoryError, StoreError};
use crate::profile::{ProfileError, ProfileRunError};
use crate::run::{RunError, SessionError};
use crate::workload::WorkloadError;

/// A usage error (bad flag value or combination); exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// 2 when the error (or one it wraps) is bad input, else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if cause.is::<Usage>()
            || cause.is::<WorkloadError>()
            || cause.is::<crate::check::ConfigError>()
            || cause.is::<crate::shard::ShardError>()
            || cause.is::<crate::shard::MergeError>()
        {
            return 2;
        }
        if let Some(e) = cause.downcast_ref::<AppError>() {
            return app_code(e);
        }
        if let Some(e) = cause.downcast_ref::<SessionError>() {
            return session_code(e);
        }
        if let Some(RunError::Session(e)) = cause.downcast_ref::<RunError>() {
            return session_code(e);
        }
        if let Some(e) = cause.downcast_ref::<ProfileRunError>() {
            return match e {
                ProfileRunError::Profiler(p) => profiler_code(p),
                ProfileRunError::Session(s) => session_code(s),
                ProfileRunError::OutDir { .. } => 1,
            };
        }
        if let Some(e) = cause.downcast_ref::<ProfileError>() {
            return profiler_code(e);
        }
        if let Some(e) = cause.downcast_ref::<HistoryError>() {
            return if e.is_bad_input() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return if e.is_bad_input() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<AlertError>() {
            return if e.is_bad_input() { 2 } else { 1 };
        }
    }
    1
}

fn profiler_code(e: &ProfileError) -> i32 {
    match e {
        ProfileError::Missing { .. } => 2,
        ProfileError::Setup(_) => 1,
    }
}

fn session_code(e: &SessionError) -> i32 {
    match e {
        SessionError::App(a) => app_code(a),
        SessionError::BadUrl { .. } => 2,
        _ => 1,
    }
}

fn app_code(e: &AppError) -> i32 {
    match e {
        AppError::SetupFailed { .. } | AppError::Io { .. } => 1,
        _ => 2,
    }
}
