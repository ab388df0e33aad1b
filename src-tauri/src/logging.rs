//! Logging: `tracing` to stderr and to a daily-rotated file in the log dir (14 files kept).
//!
//! Secrets are kept out by type: they live in [`crate::sensitive::Sensitive`], whose Debug and
//! Display print `<redacted>`. `TRADEMIND_LOG` (or `RUST_LOG`) sets the filter, e.g.
//! `TRADEMIND_LOG=debug`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

use crate::error::{Error, Result};

/// Log files kept before the oldest is deleted.
const KEPT_FILES: usize = 14;
/// Noisy dependencies are held at `warn` unless the filter names them.
const QUIET_DEPS: &str = "sqlx=warn,tao=warn,wry=warn,zbus=warn,hyper=warn";

/// How loud stderr is: the GUI logs `info`, the CLI only `warn` so its stdout stays clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    Info,
    Warn,
}

/// Keeps the file writer flushing; drop it last (at exit) to flush buffered lines.
#[must_use = "dropping the guard stops file logging"]
pub struct LogGuard(#[allow(dead_code)] WorkerGuard);

/// Installs the global subscriber. Call once, at start-up.
pub fn init(log_dir: &Path, console: Console) -> Result<LogGuard> {
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("trademind")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(log_dir)
        .map_err(|e| {
            Error::Internal(format!(
                "opening the log file in {}: {e}",
                log_dir.display()
            ))
        })?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);

    let user_filter = std::env::var("TRADEMIND_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let filter = |default: &str| {
        let spec = user_filter
            .clone()
            .unwrap_or_else(|| format!("{default},{QUIET_DEPS}"));
        EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new(default))
    };
    let console_default = match console {
        Console::Info => "info",
        Console::Warn => "warn",
    };

    let file_layer = fmt::layer()
        .with_ansi(false)
        .with_writer(file_writer)
        .with_filter(filter("info"));
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter(console_default));
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init()
        .map_err(|e| Error::Internal(format!("installing the logger: {e}")))?;
    Ok(LogGuard(guard))
}
