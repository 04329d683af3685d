//! The parts of the `sagedesk` command that run Sage.

pub mod eval;
