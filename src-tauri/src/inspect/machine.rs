//! Fly's view of the user's machine for support: state, config (image, guest, services,
//! checks, restart policy, mounts, metadata) and events. Env values are never copied — only
//! their names — since an env value may be sensitive; secrets are not in the config at all.

use super::view::{CheckView, MachineConfigView, MachineInspection, MetadataEntry, ServiceView};
use crate::fly::types::{Autostop, FlyDuration, Machine, MachineConfig};
use crate::machine::lifecycle::event_views;

/// Events kept in an inspection.
const EVENTS: u32 = 50;

/// The inspection of `machine` as Fly answered it.
pub fn inspection(machine: &Machine) -> MachineInspection {
    let config = machine
        .config
        .as_ref()
        .or(machine.incomplete_config.as_ref());
    MachineInspection {
        id: machine.id.clone(),
        name: machine.name.clone(),
        state: machine.state.as_str().to_owned(),
        region: machine.region.clone(),
        instance_id: machine
            .instance_id
            .clone()
            .or_else(|| machine.version.clone()),
        created_at: machine.created_at.clone(),
        updated_at: machine.updated_at.clone(),
        config: config.map(|c| config_view(c, machine)),
        events: event_views(machine, EVENTS),
    }
}

fn config_view(config: &MachineConfig, machine: &Machine) -> MachineConfigView {
    let mut checks: Vec<CheckView> = config
        .checks
        .iter()
        .map(|(name, check)| CheckView {
            name: name.clone(),
            kind: check.kind.clone(),
            path: check.path.clone(),
            interval: check.interval.as_ref().map(duration),
            status: None,
            output: None,
        })
        .collect();
    for service in &config.services {
        for (i, check) in service.checks.iter().enumerate() {
            checks.push(CheckView {
                name: format!("servicecheck-{:02}-{}", i, service.protocol),
                kind: check.kind.clone(),
                path: check.path.clone(),
                interval: check.interval.as_ref().map(duration),
                status: None,
                output: None,
            });
        }
    }
    for status in &machine.checks {
        match checks.iter_mut().find(|c| c.name == status.name) {
            Some(check) => {
                check.status = Some(status.status.clone());
                check.output = status.output.clone();
            }
            None => checks.push(CheckView {
                name: status.name.clone(),
                kind: None,
                path: None,
                interval: None,
                status: Some(status.status.clone()),
                output: status.output.clone(),
            }),
        }
    }
    MachineConfigView {
        image: config.image.clone(),
        cpu_kind: config
            .guest
            .as_ref()
            .map(|g| g.cpu_kind.as_str().to_owned()),
        cpus: config.guest.as_ref().map(|g| g.cpus),
        memory_mb: config.guest.as_ref().map(|g| g.memory_mb),
        services: config
            .services
            .iter()
            .map(|s| ServiceView {
                protocol: s.protocol.clone(),
                internal_port: s.internal_port,
                ports: s
                    .ports
                    .iter()
                    .map(|p| {
                        let port = match (p.port, p.start_port, p.end_port) {
                            (Some(port), _, _) => port.to_string(),
                            (None, Some(a), Some(b)) => format!("{a}-{b}"),
                            _ => "?".to_owned(),
                        };
                        if p.handlers.is_empty() {
                            port
                        } else {
                            format!("{port} ({})", p.handlers.join(", "))
                        }
                    })
                    .collect(),
                autostop: s.autostop.as_ref().map(|a| match a {
                    Autostop::Off => "off".to_owned(),
                    Autostop::Stop => "stop".to_owned(),
                    Autostop::Suspend => "suspend".to_owned(),
                    Autostop::Unknown(other) => other.clone(),
                }),
            })
            .collect(),
        checks,
        restart: config.restart.as_ref().map(|r| match r.max_retries {
            Some(max) => format!("{} (max {max})", r.policy.as_str()),
            None => r.policy.as_str().to_owned(),
        }),
        mounts: config
            .mounts
            .iter()
            .map(|m| format!("{} on {}", m.volume, m.path))
            .collect(),
        env_names: config.env.keys().cloned().collect(),
        metadata: config
            .metadata
            .iter()
            .map(|(key, value)| MetadataEntry {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
    }
}

fn duration(d: &FlyDuration) -> String {
    match d {
        FlyDuration::Text(text) => text.clone(),
        FlyDuration::Nanos(ns) => format!("{}s", ns / 1_000_000_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_never_reach_the_view() {
        let machine: Machine = serde_json::from_value(serde_json::json!({
            "id": "148e21ea4d6789", "name": "trademind-agent", "state": "started",
            "region": "ams",
            "config": {
                "image": "registry.fly.io/trademind-agent:1.2.3",
                "env": {"SCREENER_SYMBOLS": "BTCUSDT", "LEAKY": "hunter2-secret-value"},
                "guest": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 1024},
                "services": [{"protocol": "tcp", "internal_port": 8080,
                    "ports": [{"port": 443, "handlers": ["tls", "http"]}],
                    "autostop": "off"}],
                "checks": {"health": {"type": "http", "port": 8080, "path": "/health",
                    "interval": "15s"}},
                "restart": {"policy": "on-failure", "max_retries": 10},
                "metadata": {"trademind_role": "agent", "trademind_user": "ana@example.com"},
                "mounts": [{"volume": "vol_1", "path": "/data"}]
            },
            "checks": [{"name": "health", "status": "critical", "output": "503"}],
            "events": [{"id": "e1", "type": "exit", "status": "stopped", "source": "flyd",
                "timestamp": 1760000000000_i64,
                "request": {"exit_event": {"exit_code": 2, "oom_killed": false}}}]
        }))
        .unwrap();
        let view = inspection(&machine);
        let text = serde_json::to_string(&view).unwrap();
        assert!(!text.contains("hunter2"), "an env value leaked: {text}");
        let config = view.config.unwrap();
        assert_eq!(config.env_names, ["LEAKY", "SCREENER_SYMBOLS"]);
        assert_eq!(config.services[0].ports, ["443 (tls, http)"]);
        assert_eq!(config.restart.as_deref(), Some("on-failure (max 10)"));
        assert_eq!(config.checks[0].status.as_deref(), Some("critical"));
        assert_eq!(config.checks[0].interval.as_deref(), Some("15s"));
        assert_eq!(config.mounts, ["vol_1 on /data"]);
        assert_eq!(view.events[0].exit_code, Some(2));
        assert_eq!(view.state, "started");
    }
}
