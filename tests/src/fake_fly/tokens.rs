//! The fake's token table and `Authorization` parsing: which registered token a request
//! carries, under which scheme, and what that token may see (§1, §9 "Transport & auth").

use super::http::Reply;
use super::ids;
use axum::http::HeaderMap;

/// What a registered token is allowed to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `fly tokens create org`: full access to this org's apps (macaroon, `FlyV1`).
    Org,
    /// `fly auth token`: a legacy user token with full access (sent as `Bearer`; refused
    /// under `FlyV1`, which is for macaroons).
    User,
    /// `fly tokens create deploy -a APP`: only that app.
    App(String),
    /// `fly tokens create readonly`: GETs only; every mutation → 403.
    ReadOnly,
    /// A full token of another organisation: sees nothing of this org (403).
    OtherOrg,
}

/// The identity behind an authenticated request.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub kind: TokenKind,
    pub org_slug: String,
    pub token_id: String,
    /// Lease owner string: `<token_id>@tokens.fly.io` or the user's e-mail.
    pub owner: String,
}

impl Principal {
    /// May this principal touch `app` (an app of org `app_org`)?
    pub fn may_access(&self, app: &str, app_org: &str) -> bool {
        match &self.kind {
            TokenKind::App(own) => own == app && app_org == self.org_slug,
            _ => app_org == self.org_slug,
        }
    }
}

struct Entry {
    kind: TokenKind,
    parts: Vec<String>,
    token_id: String,
}

/// Registered tokens.
#[derive(Default)]
pub(crate) struct TokenTable {
    entries: Vec<Entry>,
}

/// How a request authenticated, for the request log (never the token itself).
pub(crate) struct Presented {
    /// `FlyV1`, `Bearer`, `other`, or `None` without an `Authorization` header.
    pub scheme: Option<String>,
    pub kind: Option<TokenKind>,
    pub principal: Option<Principal>,
}

const MACAROON_PREFIXES: [&str; 3] = ["fm1r_", "fm1a_", "fm2_"];

fn split_parts(token: &str) -> Vec<String> {
    token
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Strips `FlyV1 `/`Bearer ` prefixes (case-insensitive, repeatedly, as fly-go does);
/// returns the first scheme seen and the rest.
fn strip_schemes(mut value: &str) -> (Option<String>, &str) {
    let mut first = None;
    loop {
        value = value.trim_start();
        let starts = |prefix: &str| {
            value
                .get(..prefix.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
        };
        let scheme = if starts("flyv1 ") {
            "FlyV1"
        } else if starts("bearer ") {
            "Bearer"
        } else {
            return (first, value.trim());
        };
        first.get_or_insert_with(|| scheme.to_string());
        value = &value[scheme.len() + 1..];
    }
}

impl TokenTable {
    /// Registers `token` (any shape, scheme prefix allowed) as `kind`.
    pub fn register(&mut self, kind: TokenKind, token: &str) {
        let (_, bare) = strip_schemes(token);
        assert!(
            !split_parts(bare).is_empty(),
            "cannot register an empty token"
        );
        self.entries.push(Entry {
            kind,
            parts: split_parts(bare),
            token_id: ids::alnum(12),
        });
    }

    /// Generates and registers a token of `kind`; returns it without scheme.
    pub fn generate(&mut self, kind: TokenKind) -> String {
        let token = match kind {
            TokenKind::User => ids::user_token(),
            _ => ids::macaroon_token(),
        };
        self.register(kind, &token);
        token
    }

    /// Reads the `Authorization` header. `principal` is `None` for an unknown token, a
    /// missing header, no scheme, or a non-macaroon token sent under `FlyV1`.
    pub fn identify(&self, headers: &HeaderMap, config: &super::FakeConfig) -> Presented {
        let Some(raw) = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Presented {
                scheme: None,
                kind: None,
                principal: None,
            };
        };
        let (scheme, bare) = strip_schemes(raw);
        let parts = split_parts(bare);
        let entry = scheme.as_ref().and_then(|_| {
            self.entries
                .iter()
                .find(|e| e.parts.iter().all(|p| parts.contains(p)))
        });
        let has_macaroon = parts
            .iter()
            .any(|p| MACAROON_PREFIXES.iter().any(|m| p.starts_with(m)));
        let entry = entry.filter(|_| scheme.as_deref() != Some("FlyV1") || has_macaroon);
        let principal = entry.map(|e| Principal {
            kind: e.kind.clone(),
            org_slug: match e.kind {
                TokenKind::OtherOrg => config.other_org_slug.clone(),
                _ => config.org_slug.clone(),
            },
            token_id: e.token_id.clone(),
            owner: match e.kind {
                TokenKind::User => config.user_email.clone(),
                _ => format!("{}@tokens.fly.io", e.token_id),
            },
        });
        Presented {
            scheme: Some(scheme.unwrap_or_else(|| "other".into())),
            kind: principal.as_ref().map(|p| p.kind.clone()),
            principal,
        }
    }
}

/// 401 for a missing, unknown or malformed token (the body Fly was observed to send).
pub(crate) fn unauthenticated() -> Reply {
    Reply::error(401, "Authenticate: token validation error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_doubled_schemes() {
        assert_eq!(
            strip_schemes("FlyV1 FlyV1 fm2_a,fm2_b"),
            (Some("FlyV1".into()), "fm2_a,fm2_b")
        );
        assert_eq!(strip_schemes("bearer x"), (Some("Bearer".into()), "x"));
        assert_eq!(strip_schemes("x"), (None, "x"));
    }
}
