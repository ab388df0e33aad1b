//! TradeMind desktop: a Tauri-free core plus the thin Tauri shell over it.
//!
//! Layout:
//! - [`error`]: typed errors and their `{code, message, hint}` wire form.
//! - [`sensitive`]: `Sensitive<T>`, a secret that never prints and never serializes.
//! - [`paths`]: where data, logs and the database live (`TRADEMIND_DATA_DIR` overrides).
//! - [`logging`]: `tracing` to stderr and to a rotating file in the log dir.
//! - [`secrets`]: the Fly token's shape rules and the OS keyring that holds it.
//! - [`fly`]: the typed Fly Machines API client (retries, idempotent create, waits, leases).
//! - [`store`]: the SQLite database (WAL, migrations at start-up) and its audit `events`.
//! - [`machine`]: the user's Fly machine: its plan and the named provisioning steps.
//! - [`link`]: the live WebSocket link to the agent: signals, the command outbox, reconnects.
//! - [`cloud`]: the app's link slot: the link started when the agent is ready, its state.
//! - [`traders`]: the user's and the built-in traders, versions, placement local or cloud.
//! - [`signals`]: the signal feed of both sources, its filters, details and live bus.
//! - [`local`]: local screening, the engine in-process on live or recorded data.
//! - [`parking`]: auto-stop: the machine parked when idle or outside the schedule.
//! - [`watchdog`]: the dead-man switch: an alert when the running agent goes quiet.
//! - [`api`]: the one operation layer; the GUI commands and the CLI both call it.
//! - [`cli`]: `trademind <subcommand>`, headless.
//! - [`shell`]: the Tauri app: window, commands (thin wrappers over [`api`]).
//! - [`bindings`]: the list of types exported to TypeScript.

pub mod api;
pub mod bindings;
pub mod chart;
pub mod cli;
pub mod cloud;
pub mod costs;
pub mod error;
pub mod fly;
pub mod inspect;
pub mod link;
pub mod local;
pub mod logging;
pub mod machine;
pub mod parking;
pub mod paths;
pub mod secrets;
pub mod sensitive;
pub mod shell;
pub mod signals;
pub mod store;
pub mod traders;
pub mod watchdog;
