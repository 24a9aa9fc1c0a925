//! Proof without a cloud account: every generated module call checked against the module's
//! `variables.tf`.
