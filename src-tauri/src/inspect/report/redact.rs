//! Redaction: every text a diagnostics report writes passes through a [`Redactor`], which
//! replaces secrets with `[redacted]` and counts the replacements.
//!
//! Two kinds of secret are caught:
//! - the values we know (the caller's [`Sensitive`] tokens and keys), matched literally and
//!   in the forms a log or URL carries them in: percent-encoded, JSON-escaped and base64
//!   (standard and URL-safe, with or without padding); values shorter than [`MIN_KNOWN_LEN`]
//!   are ignored (they would match ordinary words);
//! - the shapes of secrets we do not know: `FlyV1 …` and `Bearer …` credentials, bare Fly
//!   macaroons (`fm1r_`, `fm1a_`, `fm2_`), our agent tokens (`tmo_`, `tmv_`), LLM keys (`sk-`,
//!   `sk-ant-`), and the values of `Authorization:` headers and of `password`, `token`,
//!   `secret` and `api_key` assignments (`token=…`, `"password": "…"`, `access_token=…`).
//!
//! It errs on the side of hiding: a word after `Bearer ` or a `token: 5` is replaced too.

use std::cell::Cell;

use crate::sensitive::Sensitive;

/// What a secret is replaced with.
pub const MARK: &str = "[redacted]";
/// Known values shorter than this are not redacted.
pub const MIN_KNOWN_LEN: usize = 8;

/// Replaces secrets in text and counts how many it replaced.
#[derive(Debug)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    known: Vec<Sensitive<String>>,
    count: Cell<u32>,
}

/// A credential scheme followed by its token (the scheme word is kept).
const SCHEMES: [(&str, usize); 2] = [("flyv1 ", 8), ("bearer ", 12)];
/// Token prefixes (replaced with the token), with the fewest token characters after them.
const PREFIXES: [(&str, usize); 7] = [
    ("fm1r_", 8),
    ("fm1a_", 8),
    ("fm2_", 8),
    ("tmo_", 8),
    ("tmv_", 8),
    ("sk-ant-", 8),
    ("sk-", 16),
];
/// Keys whose assigned value is a secret; `true`: the value runs to the end of the line
/// (`Authorization: Bearer abc`), `false`: to the next space or delimiter.
const KEYS: [(&str, bool); 6] = [
    ("authorization", true),
    ("password", false),
    ("passwd", false),
    ("secret", false),
    ("token", false),
    ("api_key", false),
];

impl Redactor {
    /// A redactor for `secrets` (empty and short ones are skipped) and the known shapes.
    pub fn new(secrets: &[Sensitive<String>]) -> Self {
        let mut known: Vec<String> = secrets
            .iter()
            .map(|s| s.expose().trim().to_owned())
            .filter(|s| s.chars().count() >= MIN_KNOWN_LEN)
            .flat_map(|s| encodings(&s))
            .collect();
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        known.dedup();
        Self {
            known: known.into_iter().map(Sensitive::new).collect(),
            count: Cell::new(0),
        }
    }

    /// How many secrets were replaced so far.
    pub fn count(&self) -> u32 {
        self.count.get()
    }

    /// `text` with every secret replaced by [`MARK`].
    pub fn redact(&self, text: &str) -> String {
        let before = text.matches(MARK).count();
        let mut out = text.to_owned();
        for secret in &self.known {
            if out.contains(secret.expose().as_str()) {
                out = out.replace(secret.expose().as_str(), MARK);
            }
        }
        for (scheme, min) in SCHEMES {
            out = replace_tokens(&out, scheme, min, is_scheme_token_char, true);
        }
        for (prefix, min) in PREFIXES {
            out = replace_tokens(&out, prefix, min, is_token_char, false);
        }
        for (key, to_line_end) in KEYS {
            out = replace_assignments(&out, key, to_line_end);
        }
        let added = out.matches(MARK).count().saturating_sub(before);
        self.count
            .set(self.count.get().saturating_add(added as u32));
        out
    }

    /// `value` with every string in it (object keys too) redacted.
    pub fn redact_json(&self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.redact(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.redact(&k), self.redact_json(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// `secret` and the encoded forms it travels in (each once).
fn encodings(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let percent: String = secret
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let mut forms = vec![
        secret.to_owned(),
        percent.clone(),
        lower_escapes(&percent),
        percent.replace("%20", "+"),
        json,
    ];
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        forms.push(engine.encode(secret));
    }
    forms.sort();
    forms.dedup();
    forms
}

/// `percent` with lower-case hex digits in its escapes (`%2c`), as some encoders write them.
fn lower_escapes(percent: &str) -> String {
    let mut out = String::with_capacity(percent.len());
    let mut rest = percent;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&escape.to_ascii_lowercase());
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'.')
}

/// Fly's `FlyV1 fm2_…,fm2_…` joins macaroons with commas.
fn is_scheme_token_char(b: u8) -> bool {
    is_token_char(b) || matches!(b, b',' | b'~')
}

/// Replaces `prefix` (ASCII case-insensitive, at a word start) followed by at least `min`
/// token characters. With `keep_prefix` the prefix stays (`Bearer [redacted]`), otherwise the
/// whole token goes.
fn replace_tokens(
    text: &str,
    prefix: &str,
    min: usize,
    token_char: fn(u8) -> bool,
    keep_prefix: bool,
) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(prefix) {
        let start = from + found;
        let token_start = start + prefix.len();
        let token_len = bytes[token_start..]
            .iter()
            .take_while(|b| token_char(**b))
            .count();
        // A full stop after a token ends the sentence, not the token.
        let token_len = text[token_start..token_start + token_len]
            .trim_end_matches('.')
            .len();
        let token_end = token_start + token_len;
        let at_word_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        if at_word_start && token_end - token_start >= min {
            out.push_str(&text[copied..if keep_prefix { token_start } else { start }]);
            out.push_str(MARK);
            copied = token_end;
            from = token_end;
        } else {
            from = token_start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces the value assigned to `key` (ASCII case-insensitive, also as the end of a longer
/// name like `access_token`): `key=value`, `key: value`, `"key": "value"`, `\"key\":\"value\"`.
fn replace_assignments(text: &str, key: &str, to_line_end: bool) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(key) {
        let after_key = from + found + key.len();
        from = after_key;
        let Some(value_start) = value_start(bytes, after_key) else {
            continue;
        };
        let value_end = value_end(text, value_start, to_line_end);
        let value = text[value_start..value_end].trim_end();
        let value_end = value_start + value.len();
        if value.is_empty()
            || value.contains(MARK)
            || value.starts_with(['{', '['])
            || ["null", "none", "true", "false"].contains(&value.to_ascii_lowercase().as_str())
        {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(MARK);
        copied = value_end;
        from = value_end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the value starts after a key ending at `i`: past closing quotes, an `=` or `:` with
/// spaces around it, and opening quotes. `None` when no assignment follows.
fn value_start(bytes: &[u8], mut i: usize) -> Option<usize> {
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < bytes.len() && set.contains(&bytes[*i]) {
            *i += 1;
        }
    };
    skip(&mut i, b"\"'\\");
    skip(&mut i, b" \t");
    if i >= bytes.len() || !matches!(bytes[i], b'=' | b':') {
        return None;
    }
    i += 1;
    skip(&mut i, b" \t");
    skip(&mut i, b"\"'\\");
    Some(i)
}

/// Where a value starting at `start` ends; a [`MARK`] in it is passed over whole.
fn value_end(text: &str, start: usize, to_line_end: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        if bytes[i..].starts_with(MARK.as_bytes()) {
            i += MARK.len();
        } else if ends_value(bytes[i], to_line_end) {
            break;
        } else {
            i += 1;
        }
    }
    i
}

fn ends_value(b: u8, to_line_end: bool) -> bool {
    let always = matches!(
        b,
        b'\n' | b'\r' | b'"' | b'\'' | b'\\' | b'&' | b';' | b',' | b'<' | b'>' | b'}' | b']'
    );
    always || (!to_line_end && matches!(b, b' ' | b'\t' | b')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(known: &[&str]) -> Redactor {
        let secrets: Vec<Sensitive<String>> = known
            .iter()
            .map(|s| Sensitive::new((*s).to_owned()))
            .collect();
        Redactor::new(&secrets)
    }

    /// Redacts `text` with no known secrets, returning the text and the count.
    fn shapes(text: &str) -> (String, u32) {
        let r = redactor(&[]);
        let out = r.redact(text);
        (out, r.count())
    }

    #[test]
    fn known_values_are_replaced_everywhere_and_counted() {
        let r = redactor(&["s3cr3t-value-1234", "short", "", "   "]);
        let out = r.redact("a s3cr3t-value-1234 b s3cr3t-value-1234 short");
        assert_eq!(out, "a [redacted] b [redacted] short");
        assert_eq!(r.count(), 2);
        assert_eq!(r.redact("nothing here"), "nothing here");
        assert_eq!(r.count(), 2);
    }

    #[test]
    fn known_values_are_caught_percent_encoded_json_escaped_and_in_base64() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine;
        let token = "FlyV1 fm2_lJPE/xy+z==,fm2_QQ\"x";
        let r = redactor(&[token]);
        for (form, text) in [
            (
                "percent",
                "GET /?t=FlyV1%20fm2_lJPE%2Fxy%2Bz%3D%3D%2Cfm2_QQ%22x&x=1".to_owned(),
            ),
            (
                "lower percent",
                "t=FlyV1%20fm2_lJPE%2fxy%2bz%3d%3d%2cfm2_QQ%22x".to_owned(),
            ),
            (
                "form",
                "t=FlyV1+fm2_lJPE%2Fxy%2Bz%3D%3D%2Cfm2_QQ%22x&x=1".to_owned(),
            ),
            (
                "json",
                format!("{{\"t\":{}}}", serde_json::to_string(token).unwrap()),
            ),
            ("base64", format!("Basic {}", STANDARD.encode(token))),
            (
                "base64url",
                format!("x-token: {}", URL_SAFE_NO_PAD.encode(token)),
            ),
        ] {
            let out = r.redact(&text);
            assert!(out.contains(MARK), "{form}: {out}");
            assert!(!out.contains("lJPE"), "{form}: {out}");
            for encoded in [STANDARD.encode(token), URL_SAFE_NO_PAD.encode(token)] {
                assert!(!out.contains(&encoded[..20]), "{form}: {out}");
            }
        }
    }

    #[test]
    fn a_known_value_containing_another_goes_whole() {
        let r = redactor(&["abcdefgh", "abcdefgh-and-more"]);
        assert_eq!(r.redact("x abcdefgh-and-more y"), "x [redacted] y");
        assert_eq!(r.count(), 1);
    }

    #[test]
    fn fly_tokens() {
        let (out, n) = shapes("auth FlyV1 fm2_lJPECAAAAAAAAF,fm2_lJPEOdAbCd== then");
        assert_eq!(out, "auth FlyV1 [redacted] then");
        assert_eq!(n, 1);
        let (out, n) = shapes("bare fm1r_abcdefghijkl and fm1a_ZZZZZZZZZZZZ, fm2_0123456789");
        assert_eq!(out, "bare [redacted] and [redacted], [redacted]");
        assert_eq!(n, 3);
        // Too short to be a macaroon, or inside a word: left alone.
        assert_eq!(shapes("fm2_abc xfm2_abcdefghijk").1, 0);
    }

    #[test]
    fn bearer_tokens() {
        let (out, n) = shapes("GET /x bearer eyJhbGciOiJIUzI1NiJ9.e30.sig ok");
        assert_eq!(out, "GET /x bearer [redacted] ok");
        assert_eq!(n, 1);
        assert_eq!(shapes("uses Bearer auth").1, 0);
    }

    #[test]
    fn agent_tokens() {
        let (out, n) = shapes("owner=tmo_0123456789abcdef viewer tmv_ABCDEFGHijklmnop.");
        assert_eq!(out, "owner=[redacted] viewer [redacted].");
        assert_eq!(n, 2);
        assert_eq!(shapes("atmo_0123456789abcdef tmo_short").1, 0);
    }

    #[test]
    fn llm_keys() {
        let (out, n) = shapes("key sk-ant-api03-AbCdEfGh_1234 and (sk-proj-0123456789abcdefXYZ)");
        assert_eq!(out, "key [redacted] and ([redacted])");
        assert_eq!(n, 2);
        // `task-…` is not a key; nor a short `sk-` word.
        assert_eq!(shapes("task-0123456789abcdefghij sk-learn").1, 0);
    }

    #[test]
    fn authorization_headers() {
        let (out, n) = shapes("Authorization: Basic dXNlcjpwYXNz\nnext line");
        assert_eq!(out, "Authorization: [redacted]\nnext line");
        assert_eq!(n, 1);
        let (out, _) = shapes(r#"{"authorization":"Digest abc def"}"#);
        assert_eq!(out, r#"{"authorization":"[redacted]"}"#);
        // A scheme already redacted is not counted twice.
        let (out, n) = shapes("authorization: Bearer abcdefghijklmnopq");
        assert_eq!(out, "authorization: Bearer [redacted]");
        assert_eq!(n, 1);
    }

    #[test]
    fn assignments() {
        let (out, n) = shapes("GET /cb?user=x&password=hunter2&x=1");
        assert_eq!(out, "GET /cb?user=x&password=[redacted]&x=1");
        assert_eq!(n, 1);
        let (out, n) = shapes("access_token=abc123 secret: s; API_KEY = 'k-9'");
        assert_eq!(
            out,
            "access_token=[redacted] secret: [redacted]; API_KEY = '[redacted]'"
        );
        assert_eq!(n, 3);
        let (out, _) = shapes(r#"body {\"token\":\"abc\"}"#);
        assert_eq!(out, r#"body {\"token\":\"[redacted]\"}"#);
        // Not assignments, or nothing secret assigned.
        for text in [
            "tokens: 5",
            "token expired",
            "password=",
            "secret: null",
            r#""viewerToken": {"source": "keyring"}"#,
            "the token <redacted>",
        ] {
            assert_eq!(shapes(text), (text.to_owned(), 0), "{text}");
        }
    }

    #[test]
    fn json_strings_and_keys_are_redacted() {
        let r = redactor(&["planted-secret-value"]);
        let value = serde_json::json!({
            "a": ["x planted-secret-value", 3, {"planted-secret-value": true}],
            "n": null,
        });
        let out = r.redact_json(value);
        let text = serde_json::to_string(&out).unwrap();
        assert!(!text.contains("planted-secret-value"), "{text}");
        assert_eq!(r.count(), 2);
        assert_eq!(out["a"][1], 3);
    }

    #[test]
    fn non_ascii_text_survives() {
        let (out, n) = shapes("ünïcødé → password=päss wörd tmo_0123456789abcdef");
        assert_eq!(out, "ünïcødé → password=[redacted] wörd [redacted]");
        assert_eq!(n, 2);
    }
}
