//! The Rust types the web view sees, exported to TypeScript with ts-rs.
//!
//! `scripts/bindings.sh` (the `gen-bindings` binary) writes them to `ui/src/bindings/`; the test
//! command regenerates them into a temporary folder and fails on any difference.

use std::path::Path;

use ts_rs::{Config, ExportError, TS};

use crate::api::costs::BudgetAlert;
use crate::api::dashboard::{ChartView, DashboardFrame, ScaleAdvice};
use crate::api::machine::MachineOutcome;
use crate::api::metrics::MetricsHistory;
use crate::api::parking::{AutoStopView, ParkedView, WatchdogView};
use crate::api::regions::{RegionChoice, RegionsView};
use crate::api::status::{AppStatus, Check};
use crate::api::token::{TokenInfo, TokenSource, TokenStatus};
use crate::api::Mode;
use crate::cloud::LinkView;
use crate::costs::budget::{Budget, BudgetLevel, BudgetStatus};
use crate::costs::view::{CostDay, CostReport, PriceOverride};
use crate::error::{ApiError, ErrorCode};
use crate::inspect::{
    InspectTarget, Inspection, LogQuery, LogsView, ReportSummary, SupportAccess, SupportCredential,
    SupportFrame, WatchParts,
};
use crate::link::LinkState;
use crate::local::{LocalMode, LocalStart, LocalStatus};
use crate::machine::lifecycle::FlyEventView;
use crate::machine::operation::OperationProgress;
use crate::machine::size::SizeChoice;
use crate::machine::status::{MachineStatus, NextAction};
use crate::machine::{Progress, Step, StepState};
use crate::parking::{AutoStopSettings, Day, ParkReason, Schedule};
use crate::secrets::TokenKind;
use crate::signals::{
    CandleView, IndicatorValue, SignalDetail, SignalFilter, SignalSource, SignalView,
};
use crate::store::events::{Actor, AuditEvent, EventFilter};
use crate::store::metrics::{MetricName, MetricsRange};
use crate::store::outbox::OutboxEntry;
use crate::traders::{
    ConflictChoice, DryRunView, ImportReport, ImportSkip, Placement, TraderCard, TraderCheck,
    TraderConflict, TraderProblem,
};
use crate::watchdog::DeadManAlert;
use screener::protocol::{ClientFrame, ServerFrame};

/// Writes every exported type (and what it references) into `dir`, one file per type, plus
/// an `index.ts` that re-exports them all. 64-bit integers become `number`
/// (`TS_RS_LARGE_INT`, default `number`).
pub fn export_all(dir: &Path) -> Result<(), ExportError> {
    let large_int = std::env::var("TS_RS_LARGE_INT").unwrap_or_else(|_| "number".into());
    let cfg = Config::new().with_large_int(large_int).with_out_dir(dir);
    AutoStopView::export_all(&cfg)?;
    AutoStopSettings::export_all(&cfg)?;
    ParkedView::export_all(&cfg)?;
    ParkReason::export_all(&cfg)?;
    Schedule::export_all(&cfg)?;
    Day::export_all(&cfg)?;
    WatchdogView::export_all(&cfg)?;
    DeadManAlert::export_all(&cfg)?;
    AppStatus::export_all(&cfg)?;
    CostReport::export_all(&cfg)?;
    CostDay::export_all(&cfg)?;
    PriceOverride::export_all(&cfg)?;
    Budget::export_all(&cfg)?;
    BudgetStatus::export_all(&cfg)?;
    BudgetLevel::export_all(&cfg)?;
    BudgetAlert::export_all(&cfg)?;
    Check::export_all(&cfg)?;
    ApiError::export_all(&cfg)?;
    ErrorCode::export_all(&cfg)?;
    TokenStatus::export_all(&cfg)?;
    TokenInfo::export_all(&cfg)?;
    TokenSource::export_all(&cfg)?;
    TokenKind::export_all(&cfg)?;
    AuditEvent::export_all(&cfg)?;
    Actor::export_all(&cfg)?;
    MachineStatus::export_all(&cfg)?;
    MachineOutcome::export_all(&cfg)?;
    NextAction::export_all(&cfg)?;
    Progress::export_all(&cfg)?;
    OperationProgress::export_all(&cfg)?;
    Step::export_all(&cfg)?;
    StepState::export_all(&cfg)?;
    FlyEventView::export_all(&cfg)?;
    RegionsView::export_all(&cfg)?;
    RegionChoice::export_all(&cfg)?;
    SizeChoice::export_all(&cfg)?;
    // The agent's WebSocket protocol v1 (`docs/protocol.md`): every frame and what it holds.
    ServerFrame::export_all(&cfg)?;
    ClientFrame::export_all(&cfg)?;
    // The desktop's link to the agent and its durable outbox of commands.
    LinkState::export_all(&cfg)?;
    OutboxEntry::export_all(&cfg)?;
    // The dashboard's metrics history.
    MetricsHistory::export_all(&cfg)?;
    MetricName::export_all(&cfg)?;
    MetricsRange::export_all(&cfg)?;
    DashboardFrame::export_all(&cfg)?;
    ChartView::export_all(&cfg)?;
    ScaleAdvice::export_all(&cfg)?;
    LinkView::export_all(&cfg)?;
    EventFilter::export_all(&cfg)?;
    // Traders, signals and local screening.
    TraderCard::export_all(&cfg)?;
    Placement::export_all(&cfg)?;
    TraderConflict::export_all(&cfg)?;
    ConflictChoice::export_all(&cfg)?;
    TraderCheck::export_all(&cfg)?;
    TraderProblem::export_all(&cfg)?;
    DryRunView::export_all(&cfg)?;
    ImportReport::export_all(&cfg)?;
    ImportSkip::export_all(&cfg)?;
    SignalView::export_all(&cfg)?;
    SignalSource::export_all(&cfg)?;
    SignalFilter::export_all(&cfg)?;
    SignalDetail::export_all(&cfg)?;
    CandleView::export_all(&cfg)?;
    IndicatorValue::export_all(&cfg)?;
    LocalStatus::export_all(&cfg)?;
    LocalMode::export_all(&cfg)?;
    LocalStart::export_all(&cfg)?;
    // Support mode: the read-only inspector and the diagnostics report.
    Mode::export_all(&cfg)?;
    SupportAccess::export_all(&cfg)?;
    SupportCredential::export_all(&cfg)?;
    InspectTarget::export_all(&cfg)?;
    Inspection::export_all(&cfg)?;
    LogQuery::export_all(&cfg)?;
    WatchParts::export_all(&cfg)?;
    LogsView::export_all(&cfg)?;
    SupportFrame::export_all(&cfg)?;
    ReportSummary::export_all(&cfg)?;
    write_index(dir)
}

fn write_index(dir: &Path) -> Result<(), ExportError> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .filter_map(|name| name.strip_suffix(".ts").map(str::to_owned))
        .filter(|name| name != "index")
        .collect();
    names.sort();
    let mut index = String::from("// Generated by `scripts/bindings.sh` (ts-rs). Do not edit.\n");
    for name in names {
        index.push_str(&format!("export type {{ {name} }} from \"./{name}\";\n"));
    }
    std::fs::write(dir.join("index.ts"), index)?;
    Ok(())
}
