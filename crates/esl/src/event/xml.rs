//! The `text/event-xml` form, for servers whose clients ask for `event xml …`: an `<event>`
//! element with one child per header under `<headers>` and the body under `<body>`.
//! Clients of this crate receive XML events raw ([`crate::Message::XmlEvent`]).

use super::Event;

fn escape_into(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
}

/// Element names cannot hold every header name; keep the characters XML allows.
fn element_name(name: &str) -> String {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        n
    } else {
        format!("_{n}")
    }
}

/// Serialises an event as FreeSWITCH's XML form.
pub(super) fn serialise(e: &Event) -> String {
    let mut s = String::with_capacity(e.arena.len() * 2 + 64);
    s.push_str("<event>\n  <headers>\n");
    for (k, v) in e.headers() {
        let n = element_name(k);
        s.push_str("    <");
        s.push_str(&n);
        s.push('>');
        escape_into(&mut s, v);
        s.push_str("</");
        s.push_str(&n);
        s.push_str(">\n");
    }
    s.push_str("  </headers>\n");
    if let Some(b) = &e.body {
        s.push_str("  <body>");
        escape_into(&mut s, b);
        s.push_str("</body>\n");
    }
    s.push_str("</event>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_values_and_names() {
        let e = Event::new("CUSTOM")
            .with("Event-Subclass", "a<b>&c")
            .with("9x", "y")
            .with_body("1 < 2");
        assert_eq!(
            serialise(&e),
            "<event>\n  <headers>\n    <Event-Name>CUSTOM</Event-Name>\n    <Event-Subclass>a&lt;b&gt;&amp;c</Event-Subclass>\n    <_9x>y</_9x>\n  </headers>\n  <body>1 &lt; 2</body>\n</event>"
        );
    }
}
