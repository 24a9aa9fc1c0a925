//! An HCL writer whose output is byte-identical to `tofu fmt`.
