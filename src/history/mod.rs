//! History of results across commits: change points in a series of measurements and
//! alerts about them (the store, the `history` CLI and exports live beside these).

pub mod alert;
pub mod changepoint;

/// Checks of the Grafana dashboards and provisioning files in `grafana/`.
#[cfg(test)]
#[path = "../../grafana/tests.rs"]
pub(crate) mod grafana_check;
