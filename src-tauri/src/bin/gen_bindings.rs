//! `gen-bindings DIR`: writes the TypeScript bindings of the app's IPC types into DIR
//! (normally `ui/src/bindings`, via `scripts/bindings.sh`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: gen-bindings DIR");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: creating {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    match trademind::bindings::export_all(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: exporting bindings to {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
