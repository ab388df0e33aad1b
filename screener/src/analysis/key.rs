//! [`ApiKey`]: the LLM API key, kept out of every log line, error and `Debug` output.
//!
//! Debug prints `ApiKey(<redacted>)`; there is no `Display` and no `Serialize`. The only way
//! to the value is [`ApiKey::expose`], called once, where the `x-goog-api-key` header is made
//! (and that header is marked sensitive so the HTTP stack never prints it either).

use std::fmt;

/// An API key. Blank keys do not exist: [`ApiKey::new`] refuses them.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; `None` when it is empty or only whitespace (surrounding whitespace, as
    /// left by `echo key > file`, is trimmed).
    pub fn new(value: impl Into<String>) -> Option<ApiKey> {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(ApiKey(trimmed.to_owned()))
    }

    /// The key itself. Call only to build the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new(" AIzaSyTopSecret\n");
        assert_eq!(format!("{key:?}"), "Some(ApiKey(<redacted>))");
        assert_eq!(key.as_ref().map(ApiKey::expose), Some("AIzaSyTopSecret"));
    }

    #[test]
    fn blank_keys_are_no_keys() {
        assert!(ApiKey::new("").is_none());
        assert!(ApiKey::new("  \n").is_none());
    }
}
