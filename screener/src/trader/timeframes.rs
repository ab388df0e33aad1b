//! Which timeframes a filter's code reads, found by scanning it for `timeframes['…']`
//! (any quote, `?.` allowed), outside comments and other strings — for the editor's check of
//! `requiredTimeframes` against the code.

use std::collections::BTreeSet;

/// What the scan found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeframeUse {
    /// Interval keys read with a literal, e.g. `"1h"`.
    pub literal: BTreeSet<String>,
    /// The code also indexes `timeframes` with a non-literal (can't be checked statically).
    pub dynamic: bool,
}

/// Scans filter code.
pub fn scan(code: &str) -> TimeframeUse {
    let chars: Vec<char> = code.chars().collect();
    let mut found = TimeframeUse::default();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => i = skip_until(&chars, i, "\n"),
            '/' if chars.get(i + 1) == Some(&'*') => i = skip_until(&chars, i + 2, "*/"),
            '\'' | '"' | '`' => i = skip_string(&chars, i).0,
            c if is_ident_start(c) => {
                let start = i;
                while i < chars.len() && is_ident_part(chars[i]) {
                    i += 1;
                }
                let preceded_by_dot = start > 0 && chars[start - 1] == '.';
                let word: String = chars[start..i].iter().collect();
                if word == "timeframes" && !preceded_by_dot {
                    i = read_index(&chars, i, &mut found);
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// After `timeframes`: `[ 'key' ]` or `?.[ 'key' ]`; records the key or marks dynamic use.
fn read_index(chars: &[char], mut i: usize, found: &mut TimeframeUse) -> usize {
    i = skip_space(chars, i);
    if chars.get(i) == Some(&'?') && chars.get(i + 1) == Some(&'.') {
        i = skip_space(chars, i + 2);
    }
    if chars.get(i) != Some(&'[') {
        return i;
    }
    i = skip_space(chars, i + 1);
    if let Some(&quote) = chars.get(i).filter(|c| matches!(c, '\'' | '"' | '`')) {
        let (end, text) = skip_string(chars, i);
        let after = skip_space(chars, end);
        if chars.get(after) == Some(&']') && !(quote == '`' && text.contains("${")) {
            found.literal.insert(text);
            return after + 1;
        }
    }
    found.dynamic = true;
    i
}

/// Skips a quoted string starting at `i`; returns the index after it and its raw content.
fn skip_string(chars: &[char], i: usize) -> (usize, String) {
    let quote = chars[i];
    let mut j = i + 1;
    let mut text = String::new();
    while j < chars.len() && chars[j] != quote {
        if chars[j] == '\\' {
            j += 1;
        }
        if let Some(&c) = chars.get(j) {
            text.push(c);
        }
        j += 1;
    }
    (j + 1, text)
}

fn skip_until(chars: &[char], mut i: usize, end: &str) -> usize {
    let end: Vec<char> = end.chars().collect();
    while i < chars.len() && !chars[i..].starts_with(&end) {
        i += 1;
    }
    i + end.len()
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(code: &str) -> Vec<String> {
        scan(code).literal.into_iter().collect()
    }

    #[test]
    fn finds_literal_keys_in_any_quote_style() {
        let code = r#"const a = timeframes['1h']; const b = timeframes["15m"];
            const c = timeframes[`4h`]; const d = timeframes?.['1d'];
            const e = timeframes [ '5m' ] ;"#;
        assert_eq!(keys(code), ["15m", "1d", "1h", "4h", "5m"]);
        assert!(!scan(code).dynamic);
    }

    #[test]
    fn ignores_comments_strings_and_other_objects() {
        let code = r#"// timeframes['1m']
            /* timeframes['3m'] */
            const s = "timeframes['30m']";
            const t = other.timeframes['2h'];
            return timeframes['1h'].length > 0;"#;
        assert_eq!(keys(code), ["1h"]);
    }

    #[test]
    fn flags_dynamic_access() {
        let found = scan("for (const tf of ['1h', '4h']) { if (!timeframes[tf]) return false; }");
        assert!(found.dynamic);
        assert!(found.literal.is_empty());
        assert!(scan("timeframes[`${x}m`]").dynamic);
    }
}
