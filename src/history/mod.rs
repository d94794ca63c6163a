//! History of results across commits: change points in a series of measurements and
//! alerts about them (the store, the `history` CLI and exports live beside these).

pub mod alert;
pub mod changepoint;
