//! The region table served by `GET /v1/platform/regions` and used to validate creates: the 18
//! codes of Fly's regions page (all gateways except gru and jnb).

use serde_json::{json, Value};

/// `(code, name, latitude, longitude, geo_region)`.
const REGIONS: &[(&str, &str, f64, f64, &str)] = &[
    ("ams", "Amsterdam, Netherlands", 52.374, 4.8897, "europe"),
    ("arn", "Stockholm, Sweden", 59.6512, 17.9178, "europe"),
    ("bom", "Mumbai, India", 19.0971, 72.8745, "asia-pacific"),
    ("cdg", "Paris, France", 48.8607, 2.3587, "europe"),
    (
        "dfw",
        "Dallas, Texas (US)",
        32.7767,
        -96.797,
        "north-america",
    ),
    (
        "ewr",
        "Secaucus, NJ (US)",
        40.7893,
        -74.0565,
        "north-america",
    ),
    ("fra", "Frankfurt, Germany", 50.1167, 8.6833, "europe"),
    (
        "gru",
        "Sao Paulo, Brazil",
        -23.5491,
        -46.6331,
        "south-america",
    ),
    (
        "iad",
        "Ashburn, Virginia (US)",
        39.0438,
        -77.4874,
        "north-america",
    ),
    (
        "jnb",
        "Johannesburg, South Africa",
        -26.1368,
        28.2418,
        "africa",
    ),
    (
        "lax",
        "Los Angeles, California (US)",
        33.9416,
        -118.4085,
        "north-america",
    ),
    ("lhr", "London, United Kingdom", 51.5149, -0.1165, "europe"),
    ("nrt", "Tokyo, Japan", 35.6762, 139.6503, "asia-pacific"),
    (
        "ord",
        "Chicago, Illinois (US)",
        41.8781,
        -87.6298,
        "north-america",
    ),
    (
        "sin",
        "Singapore, Singapore",
        1.3521,
        103.8198,
        "asia-pacific",
    ),
    (
        "sjc",
        "San Jose, California (US)",
        37.3541,
        -121.9552,
        "north-america",
    ),
    (
        "syd",
        "Sydney, Australia",
        -33.8688,
        151.2093,
        "asia-pacific",
    ),
    ("yyz", "Toronto, Canada", 43.6532, -79.3832, "north-america"),
];

pub(crate) fn is_known(code: &str) -> bool {
    REGIONS.iter().any(|r| r.0 == code)
}

/// The `/v1/platform/regions` body.
pub(crate) fn listing(nearest: &str) -> Value {
    let regions: Vec<Value> = REGIONS
        .iter()
        .map(|&(code, name, latitude, longitude, geo)| {
            json!({
                "code": code,
                "name": name,
                "latitude": latitude,
                "longitude": longitude,
                "gateway_available": !matches!(code, "gru" | "jnb"),
                "requires_paid_plan": false,
                "deprecated": false,
                "geo_region": geo,
            })
        })
        .collect();
    json!({ "regions": regions, "nearest": nearest })
}
