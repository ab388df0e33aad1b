//! Wiremock tests of the client against the behaviours of the reference doc: header forms,
//! retries, error classification, idempotent create, waits, leases and the endpoints' shapes.

mod auth;
mod create;
mod endpoints;
mod lease;
mod retries;
mod support;
mod wait;
