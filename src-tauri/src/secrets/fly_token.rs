//! The Fly API token: validating a pasted string, its kind, and the `Authorization` header.
//!
//! Follows fly-go (`tokens.Parse`, `StripAuthorizationScheme`): a token may carry a `FlyV1 ` or
//! `Bearer ` prefix (any case, repeated), may hold several comma-separated parts, and a part
//! starting `fm1r_`, `fm1a_` or `fm2_` is a macaroon; anything else is a user (OAuth) token.
//! The canonical form kept in the keyring is the parts joined by `,` with no prefix.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::sensitive::Sensitive;

/// Which family a token belongs to; decides the `Authorization` scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// `fly tokens create org|deploy|readonly …`: sent as `FlyV1 …`.
    Macaroon,
    /// `fly auth token` (a user's OAuth token): sent as `Bearer …`.
    User,
}

const MACAROON_PREFIXES: [&str; 3] = ["fm1r_", "fm1a_", "fm2_"];
const SCHEMES: [&str; 2] = ["FlyV1", "Bearer"];
/// Shortest part we accept: real parts are 40+ (user) to several hundred (macaroon) characters.
const MIN_PART_LEN: usize = 20;
/// Longest token we accept: a handful of macaroons with discharges stays far below.
const MAX_LEN: usize = 16 * 1024;

/// A validated Fly API token.
#[derive(Debug)]
pub struct FlyToken {
    canonical: Sensitive<String>,
    kind: TokenKind,
}

impl FlyToken {
    /// Validates a pasted token. Surrounding whitespace and a scheme prefix are tolerated;
    /// the error never quotes the input.
    pub fn parse(input: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidToken {
            reason: reason.to_owned(),
        };
        if input.len() > MAX_LEN {
            return Err(invalid("it is longer than any Fly token (16 KiB)"));
        }
        let (stripped, had_scheme) = strip_schemes(input.trim());
        if stripped.is_empty() {
            return Err(invalid(if had_scheme {
                "it has a scheme prefix but no token after it"
            } else {
                "it is empty"
            }));
        }
        let mut parts = Vec::new();
        for part in stripped.split(',').map(str::trim) {
            check_part(part).map_err(|reason| invalid(&reason))?;
            parts.push(part);
        }
        let kind = if parts.iter().any(|p| is_macaroon(p)) {
            TokenKind::Macaroon
        } else {
            TokenKind::User
        };
        Ok(Self {
            canonical: Sensitive::new(parts.join(",")),
            kind,
        })
    }

    /// The token's family.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The last four characters, the only part ever shown to the user.
    pub fn last4(&self) -> String {
        let value = self.canonical.expose();
        value[value.len().saturating_sub(4)..].to_owned()
    }

    /// The canonical token, for the keyring.
    pub fn expose(&self) -> &str {
        self.canonical.expose()
    }

    /// The `Authorization` header value as fly-go builds it for the Machines API: only the
    /// macaroon parts after `FlyV1 ` when there are any, otherwise `Bearer <token>`.
    pub fn authorization(&self) -> Sensitive<String> {
        let value = self.canonical.expose();
        let header = match self.kind {
            TokenKind::Macaroon => {
                let macaroons: Vec<&str> = value.split(',').filter(|p| is_macaroon(p)).collect();
                format!("FlyV1 {}", macaroons.join(","))
            }
            TokenKind::User => format!("Bearer {value}"),
        };
        Sensitive::new(header)
    }
}

fn is_macaroon(part: &str) -> bool {
    MACAROON_PREFIXES.iter().any(|p| part.starts_with(p))
}

/// Removes leading `FlyV1 ` / `Bearer ` prefixes, case-insensitively and repeatedly; says
/// whether it removed any.
fn strip_schemes(mut s: &str) -> (&str, bool) {
    let mut stripped = false;
    loop {
        let scheme = SCHEMES.iter().find(|sc| {
            s.get(..sc.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(sc))
                && s[sc.len()..].chars().next().is_none_or(char::is_whitespace)
        });
        match scheme {
            Some(sc) => {
                s = s[sc.len()..].trim_start();
                stripped = true;
            }
            None => return (s, stripped),
        }
    }
}

fn check_part(part: &str) -> std::result::Result<(), String> {
    if part.is_empty() {
        return Err("it has an empty part between commas".into());
    }
    if let Some(pos) = part.find(char::is_whitespace) {
        return Err(format!(
            "it has a space or line break inside (character {}); paste it as one line",
            pos + 1
        ));
    }
    if let Some(pos) = part
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '/' | '=')))
    {
        return Err(format!(
            "it has a character no Fly token contains (character {})",
            pos + 1
        ));
    }
    if part.len() < MIN_PART_LEN {
        return Err(format!(
            "it is too short ({} characters) to be a Fly token",
            part.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACAROON: &str = "fm2_lJPECAAAAAAAAxgnxBBe2vy0nWbLSmzrbAqPmo5XwrVodHRwczovL2FwaS5mbHk=";
    const USER: &str = "fo1_Yt3ulZq0RtjDkU2xGm6Q5JDEfqv1c7bWlAPKx9sNVrE";

    fn reason(input: &str) -> String {
        match FlyToken::parse(input) {
            Err(Error::InvalidToken { reason }) => reason,
            other => panic!("expected InvalidToken for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn org_token_as_printed_by_flyctl() {
        let t = FlyToken::parse(&format!("FlyV1 {MACAROON},{MACAROON}")).unwrap();
        assert_eq!(t.kind(), TokenKind::Macaroon);
        assert_eq!(t.expose(), format!("{MACAROON},{MACAROON}"));
        assert_eq!(t.last4(), "bHk=");
        assert_eq!(
            t.authorization().expose(),
            &format!("FlyV1 {MACAROON},{MACAROON}")
        );
    }

    #[test]
    fn user_token_is_bearer() {
        let t = FlyToken::parse(USER).unwrap();
        assert_eq!(t.kind(), TokenKind::User);
        assert_eq!(t.authorization().expose(), &format!("Bearer {USER}"));
    }

    #[test]
    fn mixed_parts_send_only_macaroons() {
        let t = FlyToken::parse(&format!("{USER},{MACAROON}")).unwrap();
        assert_eq!(t.kind(), TokenKind::Macaroon);
        assert_eq!(t.authorization().expose(), &format!("FlyV1 {MACAROON}"));
    }

    #[test]
    fn whitespace_padding_and_doubled_prefixes_are_tolerated() {
        for input in [
            format!("  {MACAROON}\n"),
            format!("\tFlyV1 {MACAROON}\r\n"),
            format!("Bearer FlyV1  {MACAROON}"),
            format!("flyv1 {MACAROON}"),
            format!("FLYV1 {MACAROON}, {MACAROON} "),
        ] {
            let t = FlyToken::parse(&input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert!(
                t.expose().starts_with("fm2_"),
                "canonical form of {input:?}"
            );
            assert!(!t.expose().contains(' '));
        }
    }

    #[test]
    fn rejects_empty_and_blank() {
        assert_eq!(reason(""), "it is empty");
        assert_eq!(reason("   \n\t "), "it is empty");
        assert_eq!(
            reason("FlyV1 "),
            "it has a scheme prefix but no token after it"
        );
        assert_eq!(
            reason("Bearer   "),
            "it has a scheme prefix but no token after it"
        );
    }

    #[test]
    fn rejects_malformed_tokens_without_quoting_them() {
        let cases = [
            (
                format!("{MACAROON} {MACAROON}"),
                "space or line break inside",
            ),
            (
                format!("{MACAROON}\n{MACAROON}"),
                "space or line break inside",
            ),
            (
                format!("{MACAROON},,{MACAROON}"),
                "empty part between commas",
            ),
            (format!("{MACAROON},"), "empty part between commas"),
            ("fm2_short".to_owned(), "too short"),
            (format!("{USER}é"), "character no Fly token contains"),
            (
                format!("https://fly.io/{USER}"),
                "character no Fly token contains",
            ),
            ("x".repeat(20_000), "longer than any Fly token"),
        ];
        for (input, expected) in cases {
            let r = reason(&input);
            assert!(r.contains(expected), "{input:?} gave {r:?}");
            assert!(
                !r.contains("fm2_") && !r.contains("fo1_"),
                "reason quotes input"
            );
        }
    }

    #[test]
    fn debug_output_is_redacted() {
        let t = FlyToken::parse(MACAROON).unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("fm2_"), "{shown}");
    }
}
