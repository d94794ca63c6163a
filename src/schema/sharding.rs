//! Sharded runs (`run --segment`) and their merge (`merge`): the fields a shard adds to its
//! configuration, beside the contract's. Pure data.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A shard of a run spread over several load generators, or the merge of all the shards.
/// In a shard, `configuration.concurrency` and `configuration.rate` are this shard's shares;
/// in a merged result they are the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sharding {
    /// This shard's execution segment `FROM:TO` (fractions of the whole load, reduced, e.g.
    /// `1/4:1/2`); `0:1` in a merged result.
    pub segment: String,
    /// Every shard's segment, as its points, e.g. `0,1/4,1/2,3/4,1`.
    pub segment_sequence: String,
    /// When the shards started (`--start-at`, RFC 3339 UTC); `null` without it.
    pub start_at: Option<String>,
    /// Connections of the whole run (every shard together).
    pub total_concurrency: u32,
    /// Requests per second of the whole run in open loop; `null` in closed loop.
    pub total_rate: Option<f64>,
    /// In a merged result: the shards it was merged from, in segment order (empty in a shard).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<MergedShard>,
}

/// One shard of a merged result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MergedShard {
    /// The shard's result file, as given to `merge`.
    pub file: String,
    pub segment: String,
    /// The shard's connections and rate (its shares).
    pub concurrency: u32,
    pub rate: Option<f64>,
    /// The shard's `metadata.timestamp` and host name-free description (`os arch cpu_model`).
    pub timestamp: String,
    pub host: String,
    /// True when the shard's machine was busy while it measured (its `metadata.machine.busy`).
    #[serde(default)]
    pub busy: bool,
}
