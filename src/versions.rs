//! The versions tofugen is built and tested with: the defaults `tofugen init` writes, the
//! examples of the version rules, and the provider schema `check` proves the HCL against.

/// OpenTofu version CI builds and tests every generated root with (`.ci/toolchain`).
pub const OPENTOFU: &str = "1.12.6";
/// `scaleway/scaleway` provider version CI builds, and the version of the vendored provider
/// schema (`schema/scaleway-provider-schema.json`) that `check` proves the HCL against.
pub const SCALEWAY_PROVIDER: &str = "2.81.0";
/// `hashicorp/random` provider version CI builds.
pub const RANDOM_PROVIDER: &str = "3.7.2";
/// Tag of the `scaleway/cli` image the backup jobs run (the version whose behaviour
/// `modules/backups/backup.sh` was checked against).
pub const SCALEWAY_CLI: &str = "v2.61.0";
