//! ktopo: a deterministic discrete-event simulator of Kafka deployments across
//! data centers. See ARCHITECTURE.md for the module map and its invariants.

pub mod check;
pub mod placement;
pub mod scenario;
pub mod sim;
pub mod topology;
