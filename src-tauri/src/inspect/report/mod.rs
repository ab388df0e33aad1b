//! Placeholder for the diagnostics report writer (replaced by the report branch).

use std::path::Path;

use super::view::{Inspection, LogsView, ReportSummary};
use crate::error::{Error, Result};

pub struct ReportInput<'a> {
    pub inspection: &'a Inspection,
    pub logs: &'a LogsView,
    pub app_log: &'a [String],
    pub audit: &'a [crate::store::events::AuditEvent],
    pub secrets: &'a [crate::sensitive::Sensitive<String>],
}

pub fn write(_input: &ReportInput<'_>, _dir: &Path) -> Result<ReportSummary> {
    Err(Error::Internal(
        "the report writer is not merged yet".into(),
    ))
}

pub fn app_log_tail(_log_dir: &Path, _lines: usize) -> Result<Vec<String>> {
    Ok(Vec::new())
}
