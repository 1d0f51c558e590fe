//! ktopo: a deterministic discrete-event simulator of Kafka deployments across
//! data centers. See ARCHITECTURE.md for the module map and its invariants.

pub mod check;
pub mod compare;
pub mod cost;
pub mod export;
pub mod import;
pub mod kafka;
pub mod load;
pub mod metrics;
pub mod net;
pub mod placement;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod topology;
