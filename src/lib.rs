//! tofugen: compiles one `environments.yaml` into committed, plain OpenTofu roots, Cockpit alert
//! rules and GitHub Actions workflows.
//!
//! The pipeline has one module per stage:
//! [`load`] (YAML with positions) → [`schema_check`] (JSON Schema) → [`resolve`] (defaults and
//! per-environment overrides) → [`policy`] (semantic rules) → [`emit`] (HCL, alert rules,
//! workflows, docs) → [`write`](mod@write) (manifest, atomic writes, `check`).
//! [`pipeline`] runs the stages in order up to `policy`; [`stream`] runs `emit` into `write`
//! (and [`prove`]) one environment at a time for `generate` and `check`; [`prove`] proves the HCL
//! against the vendored Scaleway provider schema and the modules' interfaces. Every stage is
//! handed the [`source::FileId`] of the file it reads, and its diagnostics carry it: names and
//! texts are kept once, in a [`source::SourceMap`], for sorting and rendering.

// Diagnostics are large on purpose (message, position, fix) and are never on a hot path.
#![allow(clippy::result_large_err)]

pub mod affected;
pub mod alloc;
pub mod cli;
pub mod diagnostics;
pub mod emit;
pub mod graph;
pub mod guides;
pub mod init;
pub mod load;
pub mod locate;
pub mod metrics;
pub mod model;
pub mod modules;
pub mod parallel;
pub mod pipeline;
pub mod policy;
pub mod prove;
pub mod report;
pub mod resolve;
pub mod runbooks;
pub mod schema_check;
pub mod source;
pub mod stream;
pub mod synthetic;
pub mod text;
pub mod versions;
pub mod write;
