//! The scenario schema as data, and the walk that checks a parsed TOML document
//! against it before serde sees it.
//!
//! serde stops at the first problem; this walk does not. It reports every unknown
//! key (with a "did you mean" suggestion), every value of the wrong type and every
//! missing required key, each at its byte offset in the file. It also returns a
//! *repaired* copy of the document (bad values removed, missing required keys
//! filled with placeholders) so that serde and the semantic checks of
//! `validate.rs` can still run and report their own problems in the same pass.
//! Semantic problems at keys the walk already reported, or inside an element
//! whose required key had to be invented, are suppressed (see [`Walk::suppressed`]).
//!
//! [`ROOT`] is the one list of known keys. The unit tests (`tests.rs`) compare it
//! with `model.rs` through serde, in both directions, so the two cannot drift apart.
//!
//! One file per concern, imports one way (each imports only files listed below
//! it): `walk.rs` ([`Walk`] and the `Found` problems); `values.rs` (numbers as
//! toml reads them, the words of messages, placeholders); `schema.rs` ([`Ty`],
//! [`TableSchema`], every table's keys); `path.rs` (key paths: [`join`],
//! [`quote_key`], [`locate`]); `suggest.rs` ("did you mean": [`suggest()`]).

mod path;
mod schema;
mod suggest;
#[cfg(test)]
mod tests;
mod values;
mod walk;

pub(crate) use path::{join, locate, quote_key};
pub(crate) use schema::*;
pub(crate) use suggest::suggest;
pub(crate) use walk::Walk;
