//! One module per subcommand: its clap `Args` and its `run`, which returns the exit code
//! (`crate::exit`). Shared model flags live in [`model_args`].

pub mod generate;
pub mod judge;
pub mod listen;
pub mod model_args;
pub mod model_check;
pub mod serve;
pub mod solve;
pub mod stress;
pub mod verify;
pub mod worker;
