//! SageDesk's core: everything the desktop app and the `sagedesk` command do,
//! with no window. The Docker Engine is reached through [`engine`];
//! [`doctor`] explains to a person what is missing.

pub mod doctor;
pub mod engine;
pub mod id;
pub mod kernel;
pub mod notebook;
pub mod pacer;
pub mod session;
pub mod size;
pub mod workspace;
