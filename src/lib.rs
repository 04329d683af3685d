//! SageDesk's core: everything the desktop app and the `sagedesk` command do,
//! with no window. The Docker Engine is reached through [`engine`];
//! [`doctor`] explains to a person what is missing.
//!
//! The modules are layers, and `tests/architecture.rs` fails when a `use`
//! crosses one: [`notebook`] is the file format and runs nothing;
//! [`engine`] runs containers and [`kernel`] speaks Jupyter, and neither
//! knows the other; [`session`] joins the two into a live kernel;
//! [`workspace`] holds folders of notebooks and the settings. [`id`],
//! [`pacer`] and [`size`] depend on nothing and serve every layer.

pub mod desk;
pub mod doctor;
pub mod engine;
pub mod error_code;
pub mod export;
pub mod id;
pub mod kernel;
pub mod notebook;
pub mod pacer;
pub mod session;
pub mod size;
pub mod workspace;
