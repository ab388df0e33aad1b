//! The `trademind` binary: the desktop app when started without a subcommand, the headless
//! CLI otherwise.

// No console window for the GUI on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    trademind::shell::startup::mark();
    trademind::cli::main()
}
