//! Proof without a cloud account: every `scaleway_*` block checked against the vendored
//! provider schema.
