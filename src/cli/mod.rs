//! The parts of the `sagedesk` command that run Sage.

pub mod bench;
pub mod eval;
pub mod run;
