//! JSON round trips of the API types with the reference doc's examples and field lists.

use serde_json::{json, Value};

use super::*;

/// Decodes `value` as `T`, encodes it again and expects the same JSON.
fn round_trip<T>(value: Value) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let typed: T = serde_json::from_value(value.clone()).expect("decodes");
    assert_eq!(serde_json::to_value(&typed).unwrap(), value);
    typed
}

fn machine_json() -> Value {
    json!({
        "id": "1857156b526dd8",
        "name": "aged-thunder-7371",
        "state": "started",
        "region": "sin",
        "instance_id": "01HQ8ZJ1V4S2K7E2XQ3M1T9ABC",
        "private_ip": "fdaa:0:1:a7b:1d:1:2:3",
        "config": {
            "image": "registry.fly.io/trademind-screener@sha256:abc",
            "env": {"RUN_MODE": "cloud"},
            "guest": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 512},
            "init": {"cmd": ["screener", "serve"]},
            "services": [{
                "protocol": "tcp",
                "internal_port": 8080,
                "ports": [
                    {"port": 443, "handlers": ["tls", "http"]},
                    {"port": 80, "handlers": ["http"], "force_https": true}
                ],
                "concurrency": {"type": "connections", "soft_limit": 20, "hard_limit": 25},
                "autostop": false,
                "autostart": true,
                "min_machines_running": 1,
                "checks": [{"type": "http", "port": 8080, "path": "/health", "interval": "15s", "timeout": "2s"}]
            }],
            "checks": {
                "health": {
                    "type": "http", "port": 8080, "method": "GET", "path": "/health",
                    "interval": "15s", "timeout": 2000000000, "grace_period": "10s",
                    "headers": [{"name": "X-Probe", "values": ["fly"]}]
                }
            },
            "restart": {"policy": "on-failure", "max_retries": 10},
            "auto_destroy": false,
            "metadata": {"fly_platform_version": "v2", "trademind_request_id": "abc123"},
            "mounts": [{"volume": "vol_1234567890abcdef", "path": "/data"}],
            "stop_config": {"signal": "SIGTERM", "timeout": "30s"},
            "files": [{"guest_path": "/etc/agent.toml", "secret_name": "AGENT_CONFIG"}],
            "dns": {"skip_registration": false},
            "processes": [{"name": "app"}]
        },
        "image_ref": {
            "registry": "registry.fly.io", "repository": "trademind-screener",
            "tag": "deployment-01HQ", "digest": "sha256:abc", "labels": {"version": "0.1.0"}
        },
        "created_at": "2026-08-14T09:55:00Z",
        "updated_at": "2026-08-14T09:56:00Z",
        "events": [
            {"id": "01HQEV2", "type": "start", "status": "started", "source": "flyd", "timestamp": 1723629360000_i64},
            {"id": "01HQEV1", "type": "launch", "status": "created", "source": "user", "timestamp": 1723629300000_i64}
        ],
        "checks": [{"name": "health", "status": "passing", "output": "OK", "updated_at": "2026-08-14T09:56:10Z"}],
        "host_status": "ok",
        "cordoned": false,
        "some_future_field": {"kept": true}
    })
}

#[test]
fn machine_round_trips_with_unknown_fields_kept() {
    let machine: Machine = round_trip(machine_json());
    assert_eq!(machine.state, MachineState::Started);
    assert_eq!(
        machine.current_version(),
        Some("01HQ8ZJ1V4S2K7E2XQ3M1T9ABC")
    );
    assert_eq!(machine.metadata("trademind_request_id"), Some("abc123"));
    let config = machine.config.as_ref().unwrap();
    let guest = config.guest.as_ref().unwrap();
    assert_eq!(
        (guest.cpu_kind.clone(), guest.cpus, guest.memory_mb),
        (CpuKind::Shared, 2, 512)
    );
    assert_eq!(
        config.restart.as_ref().unwrap().policy,
        RestartMode::OnFailure
    );
    assert_eq!(config.services[0].autostop, Some(Autostop::Off));
    assert_eq!(
        config.checks["health"].timeout,
        Some(FlyDuration::Nanos(2_000_000_000))
    );
    assert!(config.extra.contains_key("dns") && config.extra.contains_key("processes"));
    assert!(machine.extra.contains_key("some_future_field"));
    assert_eq!(machine.events[0].kind, "start");
}

#[test]
fn unknown_states_and_values_do_not_break_decoding() {
    let mut value = machine_json();
    value["state"] = json!("hibernating");
    value["config"]["guest"]["cpu_kind"] = json!("quantum");
    value["config"]["restart"]["policy"] = json!("sometimes");
    value["config"]["services"][0]["autostop"] = json!("nap");
    let machine: Machine = round_trip(value);
    assert_eq!(machine.state, MachineState::Unknown("hibernating".into()));
    assert!(!machine.state.is_transient() && machine.state.is_active());
    let config = machine.config.unwrap();
    assert_eq!(
        config.guest.unwrap().cpu_kind,
        CpuKind::Unknown("quantum".into())
    );
    assert_eq!(
        config.restart.unwrap().policy,
        RestartMode::Unknown("sometimes".into())
    );
}

#[test]
fn nulls_and_missing_lists_read_as_empty() {
    let machine: Machine = serde_json::from_value(json!({
        "id": "1857156b526dd8", "state": "created",
        "config": {"image": "x", "env": null, "services": null, "metadata": null},
        "events": null, "checks": null
    }))
    .unwrap();
    assert!(machine.events.is_empty() && machine.checks.is_empty());
    assert!(machine.config.unwrap().metadata.is_empty());
}

#[test]
fn autostop_reads_every_documented_form() {
    for (wire, expected, written) in [
        (json!(false), Autostop::Off, json!(false)),
        (json!(true), Autostop::Stop, json!(true)),
        (json!("off"), Autostop::Off, json!(false)),
        (json!("stop"), Autostop::Stop, json!(true)),
        (json!("suspend"), Autostop::Suspend, json!("suspend")),
    ] {
        let read: Autostop = serde_json::from_value(wire).unwrap();
        assert_eq!(read, expected);
        assert_eq!(serde_json::to_value(&read).unwrap(), written);
    }
}

#[test]
fn destroyed_and_transient_states() {
    assert!(!MachineState::Destroyed.is_active() && !MachineState::Destroying.is_active());
    assert!(MachineState::Replacing.is_transient() && MachineState::LaunchFailed.is_transient());
    assert!(!MachineState::Failed.is_transient() && !MachineState::Suspended.is_transient());
}

#[test]
fn crash_loop_is_read_from_exit_events() {
    let mut value = machine_json();
    value["events"] = json!([{
        "id": "e3", "type": "exit", "status": "stopped", "source": "flyd", "timestamp": 1,
        "request": {
            "exit_event": {"exit_code": 1, "oom_killed": false, "requested_stop": false, "restarting": true},
            "restart_count": 3
        }
    }]);
    let machine: Machine = serde_json::from_value(value).unwrap();
    assert_eq!(machine.events[0].exit_event().unwrap().exit_code, Some(1));
    assert!(machine.is_crash_looping());
}

#[test]
fn doc_examples_of_small_answers() {
    let start: StartResponse =
        round_trip(json!({"previous_state": "stopped", "migrated": false, "new_host": ""}));
    assert_eq!(start.previous_state, Some(MachineState::Stopped));
    let wait: WaitResponse = round_trip(json!({"ok": true}));
    assert!(wait.ok && wait.state.is_none());
    let wait: WaitResponse = round_trip(
        json!({"ok": true, "state": "stopped", "version": "01HQ8ZJ1V4S2K7E2XQ3M1T9ABC", "event_id": "01HQEV9"}),
    );
    assert_eq!(wait.state, Some(MachineState::Stopped));
    let lease: Lease = round_trip(json!({
        "nonce": "5c35f65c9f95", "expires_at": 1708569778, "owner": "hello@fly.io",
        "description": "", "version": "01HQ8ZJ1V4S2K7E2XQ3M1T9ABC"
    }));
    assert_eq!(lease.nonce.as_str(), "5c35f65c9f95");
    let created: App =
        serde_json::from_value(json!({"id": "abc", "created_at": 1708631799000_i64})).unwrap();
    assert_eq!(created.id, "abc");
}

#[test]
fn app_volume_secrets_region_token_round_trip() {
    let app: App = round_trip(json!({
        "id": "a1", "name": "trademind-ana", "status": "deployed", "network": "default",
        "machine_count": 1, "volume_count": 0, "internal_numeric_id": 123,
        "organization": {"name": "Ana", "slug": "personal", "internal_numeric_id": 9},
        "cname_target": "trademind-ana.fly.dev", "app_role": null
    }));
    assert_eq!(app.extra.get("app_role"), Some(&Value::Null));
    assert_eq!(app.organization.unwrap().slug, "personal");

    let volume: Volume = round_trip(json!({
        "id": "vol_1234567890abcdef", "name": "data", "state": "created", "size_gb": 3,
        "region": "sin", "zone": "a1b2", "encrypted": true,
        "attached_machine_id": "1857156b526dd8", "created_at": "2026-08-14T09:55:00Z",
        "fstype": "ext4", "snapshot_retention": 5, "auto_backup_enabled": true,
        "host_status": "ok", "blocks": 100, "block_size": 4096
    }));
    assert!(volume.extra.contains_key("blocks"));

    let secrets: SecretsVersion = round_trip(json!({
        "secrets": [{"name": "AGENT_TOKEN", "digest": "d1", "created_at": "2026-08-14T09:55:00Z", "updated_at": "2026-08-14T09:55:00Z"}],
        "version": 7
    }));
    assert_eq!(secrets.version, 7);
    let deleted: SecretsVersion = serde_json::from_value(json!({"version": 8})).unwrap();
    assert!(deleted.secrets.is_empty());
    let with_value: AppSecret =
        serde_json::from_value(json!({"name": "X", "value": "hunter2"})).unwrap();
    assert!(
        !format!("{with_value:?}").contains("hunter2"),
        "values are never kept"
    );

    let regions: RegionList = round_trip(json!({
        "regions": [{"code": "sin", "name": "Singapore", "latitude": 1.3, "longitude": 103.8,
                     "gateway_available": true, "requires_paid_plan": false, "deprecated": false,
                     "geo_region": "asia"}],
        "nearest": "sin"
    }));
    assert_eq!(regions.regions[0].code, "sin");
    let capitalised: RegionList =
        serde_json::from_value(json!({"Regions": [{"code": "ams"}], "Nearest": "ams"})).unwrap();
    assert_eq!(capitalised.nearest.as_deref(), Some("ams"));

    let token: TokenInfo = round_trip(json!({
        "token_id": "t1", "org_slug": "personal", "organization": "Ana",
        "apps": ["trademind-ana"], "user": "ana@example.com"
    }));
    assert_eq!(token.apps, ["trademind-ana"]);
}

#[test]
fn requests_serialize_only_what_is_set() {
    let request = CreateMachineRequest {
        config: MachineConfig {
            image: "img@sha256:abc".into(),
            guest: Some(Guest::new(CpuKind::Shared, 2, 512)),
            restart: Some(RestartPolicy {
                policy: RestartMode::Always,
                max_retries: None,
            }),
            auto_destroy: Some(false),
            ..MachineConfig::default()
        },
        region: Some("sin".into()),
        min_secrets_version: Some(7),
        ..CreateMachineRequest::default()
    };
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "config": {
                "image": "img@sha256:abc",
                "guest": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 512},
                "restart": {"policy": "always"},
                "auto_destroy": false
            },
            "region": "sin",
            "min_secrets_version": 7
        })
    );
    let app = CreateAppRequest {
        name: "trademind-ana".into(),
        org_slug: "personal".into(),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&app).unwrap(),
        json!({"name": "trademind-ana", "org_slug": "personal"})
    );
}
