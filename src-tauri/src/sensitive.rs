//! `Sensitive<T>`: a value that must never leave the process by accident.
//!
//! Debug and Display print `<redacted>`; there is deliberately no `Serialize`, `Clone` or
//! `PartialEq` (a comparison can leak through timing). The only way to the inner value is
//! [`Sensitive::expose`], so every use of a secret is greppable.

use std::fmt;

/// A secret value (a Fly API token, an agent token, an LLM API key).
pub struct Sensitive<T>(T);

const REDACTED: &str = "<redacted>";

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself. Call only where the value is handed to its one legitimate consumer
    /// (the keyring, an `Authorization` header).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Consumes the wrapper, returning the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Sensitive::new(String::from("fm2_super-secret-value"));
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{:#?}", Some(&secret)), "Some(\n    <redacted>,\n)");
        assert_eq!(secret.expose(), "fm2_super-secret-value");
    }

    #[test]
    fn redacted_inside_derived_debug_of_a_containing_struct() {
        #[derive(Debug)]
        #[allow(dead_code)] // fields are read through Debug only
        struct Login {
            user: &'static str,
            token: Sensitive<String>,
        }
        let login = Login {
            user: "ana",
            token: Sensitive::new("fo1_abcdefghijklmnop".into()),
        };
        let shown = format!("{login:?}");
        assert!(shown.contains("ana"));
        assert!(!shown.contains("fo1_"), "token leaked into {shown}");
    }
}
