//! Validation and normalisation of a MachineConfig on create/update (§2.2, §5, §9 "422 on bad
//! config"): image required, guest from `size` or the `shared-cpu-1x` default, CPU/memory
//! rules, restart policy, services' autostart/autostop, metadata as strings.

use crate::fake_fly::http::{invalid, json_kind, Reply};
use serde_json::{json, Map, Value};

const SHARED_CPUS: &[u64] = &[1, 2, 4, 6, 8];
const PERFORMANCE_CPUS: &[u64] = &[1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128];

fn unprocessable(message: impl std::fmt::Display) -> Reply {
    Reply::error(422, format!("invalid_argument: {message}"))
}

/// `shared-cpu-2x` → guest.
fn preset(size: &str) -> Option<Value> {
    let (kind, n) = size.strip_suffix('x')?.rsplit_once('-')?;
    let cpus: u64 = n.parse().ok()?;
    let (cpu_kind, per_cpu) = match kind {
        "shared-cpu" if SHARED_CPUS.contains(&cpus) => ("shared", 256),
        "performance" if PERFORMANCE_CPUS.contains(&cpus) => ("performance", 2048),
        _ => return None,
    };
    Some(json!({ "cpu_kind": cpu_kind, "cpus": cpus, "memory_mb": cpus * per_cpu }))
}

pub(crate) fn check_guest(guest: &Map<String, Value>) -> Result<(), Reply> {
    let kind = guest
        .get("cpu_kind")
        .and_then(Value::as_str)
        .unwrap_or("shared");
    let cpus = guest.get("cpus").and_then(Value::as_u64).unwrap_or(1);
    let memory = guest
        .get("memory_mb")
        .and_then(Value::as_u64)
        .unwrap_or(256);
    let (allowed, min, max) = match kind {
        "shared" => (SHARED_CPUS, 256, 2048),
        "performance" => (PERFORMANCE_CPUS, 2048, 8192),
        other => return Err(unprocessable(format!("unknown cpu_kind {other:?}"))),
    };
    if !allowed.contains(&cpus) {
        return Err(unprocessable(format!(
            "invalid number of cpus {cpus} for cpu_kind {kind}"
        )));
    }
    if memory % 256 != 0 {
        return Err(unprocessable(format!(
            "memory size {memory} MB must be a multiple of 256"
        )));
    }
    if memory < min * cpus || memory > max * cpus {
        return Err(unprocessable(format!(
            "memory size {memory} MB is outside {}–{} MB for {cpus} {kind} cpu(s)",
            min * cpus,
            max * cpus
        )));
    }
    Ok(())
}

fn check_services(services: &mut [Value]) -> Result<(), Reply> {
    for service in services.iter_mut().filter_map(Value::as_object_mut) {
        if let Some(v) = service.get("autostart") {
            if !v.is_boolean() {
                return Err(unprocessable("services.autostart must be a boolean"));
            }
        }
        let normalised = match service.get("autostop") {
            Some(Value::String(s)) => match s.as_str() {
                "off" => Some(json!(false)),
                "stop" => Some(json!(true)),
                "suspend" => None,
                other => return Err(unprocessable(format!("invalid autostop value {other:?}"))),
            },
            _ => None,
        };
        if let Some(v) = normalised {
            service.insert("autostop".into(), v);
        }
    }
    Ok(())
}

/// Validates `config` and fills defaults; the result is what the Machine echoes back.
pub(crate) fn normalise(config: &Value) -> Result<Map<String, Value>, Reply> {
    let Value::Object(config) = config else {
        return Err(Reply::error(
            400,
            format!(
                "json: cannot unmarshal {} into Go struct field .config of type api.MachineConfig",
                json_kind(config)
            ),
        ));
    };
    let mut config = config.clone();
    if config
        .get("image")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(invalid("image is required"));
    }
    if !config.contains_key("guest") {
        let size = config
            .get("size")
            .and_then(Value::as_str)
            .unwrap_or("shared-cpu-1x");
        let guest = preset(size).ok_or_else(|| unprocessable(format!("unknown size {size:?}")))?;
        config.insert("guest".into(), guest);
    }
    match config.get("guest") {
        Some(Value::Object(guest)) => check_guest(guest)?,
        _ => return Err(invalid("guest must be an object")),
    }
    if let Some(policy) = config.get("restart").and_then(|r| r.get("policy")) {
        if !matches!(policy.as_str(), Some("no" | "always" | "on-failure")) {
            return Err(unprocessable(format!("invalid restart policy {policy}")));
        }
    }
    if let Some(v) = config.get("auto_destroy") {
        if !v.is_boolean() {
            return Err(Reply::error(400, "json: cannot unmarshal into Go struct field MachineConfig.auto_destroy of type bool"));
        }
    }
    if let Some(Value::Array(services)) = config.get_mut("services") {
        check_services(services)?;
    }
    if let Some(metadata) = config.get("metadata") {
        let all_strings = metadata
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string));
        if !all_strings {
            return Err(Reply::error(
                400,
                "json: cannot unmarshal into Go struct field MachineConfig.metadata of type map[string]string",
            ));
        }
    }
    Ok(config)
}

/// Volume ids mounted by a config.
pub(crate) fn mounted_volumes(config: &Map<String, Value>) -> Vec<String> {
    config
        .get("mounts")
        .and_then(Value::as_array)
        .map(|mounts| {
            mounts
                .iter()
                .filter_map(|m| m.get("volume").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
