//! Maps a method and path onto an [`Action`] plus the app, machine and key it names. The
//! action is what faults match on, what the rate limiter keys on and what the log records.

use super::http::Req;
use axum::http::Method;

/// Every endpoint the fake serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    CurrentToken,
    ListRegions,
    CreateApp,
    ListApps,
    GetApp,
    DeleteApp,
    CreateMachine,
    ListMachines,
    GetMachine,
    UpdateMachine,
    DestroyMachine,
    StartMachine,
    StopMachine,
    RestartMachine,
    SuspendMachine,
    CordonMachine,
    UncordonMachine,
    WaitMachine,
    AcquireLease,
    GetLease,
    ReleaseLease,
    ListEvents,
    GetMetadata,
    SetMetadata,
    DeleteMetadata,
    ListSecrets,
    SetSecrets,
    GetSecret,
    SetSecret,
    DeleteSecret,
    ListVolumes,
    CreateVolume,
    GetVolume,
    DeleteVolume,
    ExtendVolume,
    /// `GET /agents/{app}/health` — the TradeMind agent, not the Machines API.
    AgentHealth,
    /// `GET /api/v1/apps/{app}/logs` — Fly's log API (§7), on the same base URL.
    AppLogs,
}

impl Action {
    /// Reads: allowed to read-only tokens, limited by the read bucket.
    pub fn is_read(self) -> bool {
        use Action::*;
        matches!(
            self,
            CurrentToken
                | ListRegions
                | ListApps
                | GetApp
                | ListMachines
                | GetMachine
                | WaitMachine
                | GetLease
                | ListEvents
                | GetMetadata
                | ListSecrets
                | GetSecret
                | ListVolumes
                | GetVolume
                | AgentHealth
                | AppLogs
        )
    }

    /// Mutations refused without the lease nonce while a lease is held (§9 "Leases").
    pub(crate) fn needs_lease_nonce(self) -> bool {
        use Action::*;
        matches!(
            self,
            UpdateMachine
                | DestroyMachine
                | StartMachine
                | StopMachine
                | RestartMachine
                | SuspendMachine
                | CordonMachine
                | UncordonMachine
                | SetMetadata
                | DeleteMetadata
        )
    }
}

/// A resolved request target.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub action: Action,
    pub app: Option<String>,
    pub machine: Option<String>,
    /// Metadata key, secret name or volume id.
    pub key: Option<String>,
}

fn route(
    action: Action,
    app: Option<&String>,
    machine: Option<&String>,
    key: Option<&String>,
) -> Route {
    Route {
        action,
        app: app.cloned(),
        machine: machine.cloned(),
        key: key.cloned(),
    }
}

/// The route for `req`, or `None` (→ 404).
pub(crate) fn resolve(req: &Req) -> Option<Route> {
    use Action::*;
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let s = &req.segments;
    let m = &req.method;
    let (get, post, delete) = (m == Method::GET, m == Method::POST, m == Method::DELETE);
    let action = match segs.as_slice() {
        ["agents", _, "health"] if get => return Some(route(AgentHealth, s.get(1), None, None)),
        ["api", "v1", "apps", _, "logs"] if get => {
            return Some(route(AppLogs, s.get(3), None, None))
        }
        ["v1", "tokens", "current"] if get => CurrentToken,
        ["v1", "platform", "regions"] if get => ListRegions,
        ["v1", "apps"] if post => CreateApp,
        ["v1", "apps"] if get => ListApps,
        ["v1", "apps", _] if get => GetApp,
        ["v1", "apps", _] if delete => DeleteApp,
        ["v1", "apps", _, "machines"] if get => ListMachines,
        ["v1", "apps", _, "machines"] if post => CreateMachine,
        ["v1", "apps", _, "machines", _] if get => GetMachine,
        ["v1", "apps", _, "machines", _] if post => UpdateMachine,
        ["v1", "apps", _, "machines", _] if delete => DestroyMachine,
        ["v1", "apps", _, "machines", _, verb] => match (*verb, m.as_str()) {
            ("start", "POST") => StartMachine,
            ("stop", "POST") => StopMachine,
            ("restart", "POST") => RestartMachine,
            ("suspend", "POST") => SuspendMachine,
            ("cordon", "POST") => CordonMachine,
            ("uncordon", "POST") => UncordonMachine,
            ("wait", "GET") => WaitMachine,
            ("lease", "POST") => AcquireLease,
            ("lease", "GET") => GetLease,
            ("lease", "DELETE") => ReleaseLease,
            ("events", "GET") => ListEvents,
            ("metadata", "GET") => GetMetadata,
            _ => return None,
        },
        ["v1", "apps", _, "machines", _, "metadata", _] if post => SetMetadata,
        ["v1", "apps", _, "machines", _, "metadata", _] if delete => DeleteMetadata,
        ["v1", "apps", _, "secrets"] if get => ListSecrets,
        ["v1", "apps", _, "secrets"] if post => SetSecrets,
        ["v1", "apps", _, "secrets", _] if get => GetSecret,
        ["v1", "apps", _, "secrets", _] if post => SetSecret,
        ["v1", "apps", _, "secrets", _] if delete => DeleteSecret,
        ["v1", "apps", _, "volumes"] if get => ListVolumes,
        ["v1", "apps", _, "volumes"] if post => CreateVolume,
        ["v1", "apps", _, "volumes", _] if get => GetVolume,
        ["v1", "apps", _, "volumes", _] if delete => DeleteVolume,
        ["v1", "apps", _, "volumes", _, "extend"] if m == Method::PUT => ExtendVolume,
        _ => return None,
    };
    let app = s.get(2).filter(|_| segs[1] == "apps");
    Some(match (s.get(3).map(String::as_str), s.len()) {
        (Some("machines"), 7) => route(action, app, s.get(4), s.get(6)),
        (Some("machines"), _) => route(action, app, s.get(4), None),
        (_, _) => route(action, app, None, s.get(4)),
    })
}
