//! A small HTML writer for the report's index: sections, fact lists, tables and preformatted
//! text, with every value from the inspection redacted and then HTML-escaped (a log line with
//! `<script>` shows as text). Fixed text (titles, headings) is escaped only. The page is
//! self-contained: inline CSS, no scripts, no external resources.

use super::redact::Redactor;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1200px;\
padding:0 1em;color:#1f2328;background:#fff;line-height:1.4}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}\
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}\
th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f6f8fa}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}\
dt{font-weight:600}dd{margin:0}pre{background:#f6f8fa;padding:.75em;overflow-x:auto;\
font-size:.8em;white-space:pre-wrap;word-break:break-all}\
.critical{color:#cf222e;font-weight:700}.warning{color:#9a6700;font-weight:700}.info{color:#0969da}\
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #d0d7de}.muted{color:#656d76}\
nav a{margin-right:1em}";

/// HTML-escapes `text` for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page being written.
pub struct Page<'r> {
    redactor: &'r Redactor,
    body: String,
}

impl<'r> Page<'r> {
    pub fn new(redactor: &'r Redactor) -> Self {
        Self {
            redactor,
            body: String::new(),
        }
    }

    /// A value from the inspection: redacted, then escaped.
    pub fn value(&self, text: &str) -> String {
        escape(&self.redactor.redact(text))
    }

    /// Raw, already-safe HTML.
    pub fn raw(&mut self, html: &str) {
        self.body.push_str(html);
    }

    /// Opens a section with `id` and a heading.
    pub fn section(&mut self, id: &str, title: &str) {
        self.body.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            escape(id),
            escape(title)
        ));
    }

    pub fn end_section(&mut self) {
        self.body.push_str("</section>\n");
    }

    /// A sub-heading (fixed text).
    pub fn heading(&mut self, title: &str) {
        self.body.push_str(&format!("<h3>{}</h3>\n", escape(title)));
    }

    /// A paragraph of fixed text with a value in it: `{}` in `template` is the value.
    pub fn note(&mut self, template: &str, value: &str) {
        let (before, after) = template.split_once("{}").unwrap_or((template, ""));
        let html = format!(
            "<p class=\"muted\">{}{}{}</p>\n",
            escape(before),
            self.value(value),
            escape(after)
        );
        self.body.push_str(&html);
    }

    /// Label–value pairs; `None` values show as `—`.
    pub fn facts(&mut self, rows: &[(&str, Option<String>)]) {
        let mut html = String::from("<dl>\n");
        for (label, value) in rows {
            let value = value.as_deref().map_or("—".to_owned(), |v| self.value(v));
            html.push_str(&format!("<dt>{}</dt><dd>{value}</dd>\n", escape(label)));
        }
        html.push_str("</dl>\n");
        self.body.push_str(&html);
    }

    /// A table; `empty` is shown instead when there are no rows.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>], empty: &str) {
        if rows.is_empty() {
            self.body
                .push_str(&format!("<p class=\"muted\">{}</p>\n", escape(empty)));
            return;
        }
        let mut html = String::from("<table>\n<tr>");
        for h in headers {
            html.push_str(&format!("<th>{}</th>", escape(h)));
        }
        html.push_str("</tr>\n");
        for row in rows {
            html.push_str("<tr>");
            for cell in row {
                html.push_str(&format!("<td>{}</td>", self.value(cell)));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n");
        self.body.push_str(&html);
    }

    /// Lines of text as a `<pre>` block (`empty` when there are none).
    pub fn lines(&mut self, lines: &[String], empty: &str) {
        if lines.is_empty() {
            self.body
                .push_str(&format!("<p class=\"muted\">{}</p>\n", escape(empty)));
            return;
        }
        let mut html = String::from("<pre>");
        for line in lines {
            html.push_str(&self.value(line));
            html.push('\n');
        }
        html.push_str("</pre>\n");
        self.body.push_str(&html);
    }

    /// A link to a file of the report (a fixed relative path).
    pub fn link(href: &str, text: &str) -> String {
        format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
    }

    /// The whole document.
    pub fn finish(self, title: &str) -> String {
        format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            self.value(title),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitive::Sensitive;

    #[test]
    fn values_are_redacted_then_escaped() {
        let r = Redactor::new(&[Sensitive::new("known-secret-1".to_owned())]);
        let mut page = Page::new(&r);
        page.section("logs", "Logs & <more>");
        page.lines(
            &["<script>alert('known-secret-1')</script> & \"q\"".to_owned()],
            "none",
        );
        page.table(&["a"], &[vec!["<b>x</b>".into()]], "none");
        page.end_section();
        let html = page.finish("t <x>");
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<h2>Logs &amp; &lt;more&gt;</h2>"));
        assert!(html.contains(
            "&lt;script&gt;alert(&#39;[redacted]&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        ));
        assert!(html.contains("<td>&lt;b&gt;x&lt;/b&gt;</td>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(html.contains("<title>t &lt;x&gt;</title>"));
        assert_eq!(r.count(), 1);
    }

    #[test]
    fn empty_tables_and_lines_say_so() {
        let r = Redactor::new(&[]);
        let mut page = Page::new(&r);
        page.table(&["a"], &[], "No events.");
        page.lines(&[], "No log lines.");
        page.facts(&[("Region", None), ("State", Some("started".into()))]);
        let html = page.finish("x");
        assert!(html.contains("No events.") && html.contains("No log lines."));
        assert!(!html.contains("<table>"));
        assert!(html.contains("<dt>Region</dt><dd>—</dd>"));
        assert!(html.contains("<dd>started</dd>"));
    }
}
