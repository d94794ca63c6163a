//! A mixed suite's measurement of all its workloads together (`mode = "mixed"` in the suite
//! file): the total beside the per-workload shares, which are the suite's workloads as usual.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Measurement;

/// All workloads of a mixed suite measured together on the same connections, interleaved by
/// weight. Each workload's own share is in its `results`, as for any other suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MixedTotal {
    /// The workloads that were measured together (those that passed verification), in order,
    /// with their weights.
    pub workloads: Vec<MixShare>,
    /// The whole load: every request of every workload (throughput, latency, errors, timeline,
    /// server resources).
    pub results: Measurement,
}

/// One workload of a mixed load and its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MixShare {
    pub name: String,
    /// Its weight in the suite file.
    pub weight: u32,
    /// Its requests' share of the total in the measured window, 0–1 (the weight's share, to
    /// within a cycle per connection, unless its requests fail or time out more often).
    pub share: f64,
}
