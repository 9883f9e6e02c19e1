//! A small, strict XML reader that builds a tree and remembers where each element starts.
//!
//! The timetabling formats (ITC 2019, FET) use plain elements, attributes and text: no
//! namespaces, no external entities. Reading them with our own reader keeps every error
//! tied to a line and column of the input, which is what a person fixing a file needs.

use std::borrow::Cow;

use crate::error::{Error, Location};

/// One element: its name, attributes in document order, child elements, text and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub name: &'a str,
    pub attributes: Vec<(&'a str, Cow<'a, str>)>,
    pub children: Vec<Element<'a>>,
    /// The character data directly inside this element, as written (FET keeps the
    /// spaces around a name, so a file written back for FET must too), but for white
    /// space after a child element; [`Element::text`] trims it.
    pub raw_text: Cow<'a, str>,
    /// Where the element starts (1-based). Kept as `u32`: the tree of a large file has
    /// tens of thousands of elements, and their size is most of the memory it touches.
    pub line: u32,
    pub column: u32,
}

impl<'a> Element<'a> {
    /// The character data directly inside this element, trimmed.
    pub fn text(&self) -> &str {
        self.raw_text.trim()
    }

    /// The character data is not empty but only white space (FET allows a name of
    /// spaces, which trimming would turn into "no name").
    pub fn is_blank(&self) -> bool {
        !self.raw_text.is_empty() && self.text().is_empty() && self.children.is_empty()
    }

    /// Where this element starts, for error messages.
    pub fn location(&self) -> Location {
        Location {
            line: self.line as usize,
            column: self.column as usize,
            element: self.name.to_string(),
        }
    }

    /// The value of an attribute, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The value of an attribute that must be present.
    pub fn required_attr(&self, name: &str) -> Result<&str, Error> {
        self.attr(name).ok_or_else(|| Error::Format {
            at: self.location(),
            message: format!("missing attribute `{name}`"),
        })
    }

    /// A required attribute parsed as a number.
    pub fn num_attr<T: std::str::FromStr>(&self, name: &str) -> Result<T, Error> {
        let raw = self.required_attr(name)?;
        raw.trim().parse::<T>().map_err(|_| Error::Format {
            at: self.location(),
            message: format!(
                "attribute `{name}` must be a non-negative whole number, found `{raw}`"
            ),
        })
    }

    /// An optional attribute parsed as a number.
    pub fn opt_num_attr<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.attr(name) {
            None => Ok(None),
            Some(_) => self.num_attr(name).map(Some),
        }
    }

    /// Child elements with the given name.
    pub fn children_named<'e>(
        &'e self,
        name: &'e str,
    ) -> impl Iterator<Item = &'e Element<'a>> + 'e {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child element with the given name.
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Text of the first child with the given name (trimmed), if present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(Element::text)
    }

    /// An error located at this element.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Format {
            at: self.location(),
            message: message.into(),
        }
    }
}

/// Parse a whole document and return its root element.
pub fn parse(input: &str) -> Result<Element<'_>, Error> {
    let mut p = Parser {
        src: input.strip_prefix('\u{feff}').unwrap_or(input),
        pos: 0,
        counted: Counted {
            pos: 0,
            line: 1,
            column: 1,
        },
        pending: Vec::new(),
    };
    p.parse_document()
}

/// The ASCII bytes a name may hold: letters, digits, `_`, `-`, `.` and `:`.
// Built at compile time; the index stays under 128.
#[allow(clippy::indexing_slicing)]
const ASCII_NAME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':');
        b += 1;
    }
    table
};

/// Is `b` an ASCII byte a name may hold? (A table lookup: every `u8` is in range.)
fn is_ascii_name_byte(b: u8) -> bool {
    ASCII_NAME_BYTE
        .get(usize::from(b))
        .copied()
        .unwrap_or(false)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    /// Line and column are counted only when asked for (at each element's start and for
    /// an error), from the last place they were counted: counting them byte by byte as
    /// the reader moved was a third of its time.
    counted: Counted,
    /// Children of the open elements, innermost last: each element takes its own off
    /// the end when it closes, in one allocation of the right size (growing every
    /// element's list one child at a time cost a third of the memory read).
    pending: Vec<Element<'a>>,
}

/// A byte offset and its line and column (1-based; columns count characters).
#[derive(Debug, Clone, Copy)]
struct Counted {
    pos: usize,
    line: usize,
    column: usize,
}

impl Counted {
    /// The line and column at `to`, counting on from `self` over `src[self.pos..to]`.
    fn moved_to(self, src: &[u8], to: usize) -> Counted {
        let seg = src.get(self.pos..to).unwrap_or(&[]);
        // Every byte but a UTF-8 continuation byte starts a character.
        let chars = |b: &[u8]| b.iter().filter(|&&c| c & 0xC0 != 0x80).count();
        match seg.iter().rposition(|&b| b == b'\n') {
            Some(last) => Counted {
                pos: to,
                line: self.line + seg.iter().filter(|&&b| b == b'\n').count(),
                column: 1 + chars(seg.get(last + 1..).unwrap_or(&[])),
            },
            None => Counted {
                pos: to,
                line: self.line,
                column: self.column + chars(seg),
            },
        }
    }
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// Line and column of the current place, remembered so the next count starts here.
    fn here(&mut self) -> (usize, usize) {
        self.counted = self.counted.moved_to(self.src.as_bytes(), self.pos);
        (self.counted.line, self.counted.column)
    }

    fn err(&self, message: impl Into<String>) -> Error {
        let at = self.counted.moved_to(self.src.as_bytes(), self.pos);
        Error::Xml {
            line: at.line,
            column: at.column,
            message: message.into(),
        }
    }

    fn advance(&mut self, bytes: usize) {
        self.pos = (self.pos + bytes).min(self.src.len());
    }

    /// Skip XML's white space: space, tab, carriage return and line feed.
    fn skip_ws(&mut self) {
        let n = self
            .rest()
            .bytes()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(self.rest().len());
        self.advance(n);
    }

    fn skip_past(&mut self, end: &str, what: &str) -> Result<(), Error> {
        match self.rest().find(end) {
            Some(i) => {
                self.advance(i + end.len());
                Ok(())
            }
            None => Err(self.err(format!("unterminated {what}"))),
        }
    }

    /// Skip prolog items and comments; returns when at `<name` or end.
    fn skip_misc(&mut self) -> Result<(), Error> {
        loop {
            self.skip_ws();
            let r = self.rest();
            if r.starts_with("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else if r.starts_with("<!--") {
                self.skip_past("-->", "comment")?;
            } else if r.starts_with("<!DOCTYPE") || r.starts_with("<!doctype") {
                self.skip_doctype()?;
            } else {
                return Ok(());
            }
        }
    }

    fn skip_doctype(&mut self) -> Result<(), Error> {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for (i, ch) in self.rest().char_indices() {
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"') | (None, '\'') => quote = Some(ch),
                (None, '[') => depth += 1,
                (None, ']') => depth = depth.saturating_sub(1),
                (None, '>') if depth == 0 => {
                    self.advance(i + 1);
                    return Ok(());
                }
                _ => {}
            }
        }
        Err(self.err("unterminated DOCTYPE"))
    }

    fn parse_document(&mut self) -> Result<Element<'a>, Error> {
        self.skip_misc()?;
        if !self.rest().starts_with('<') {
            if self.rest().is_empty() {
                return Err(self.err("the document is empty"));
            }
            return Err(self.err("expected an element, found text"));
        }
        let root = self.parse_element()?;
        self.skip_misc()?;
        if !self.rest().trim().is_empty() {
            return Err(self.err("unexpected content after the root element"));
        }
        Ok(root)
    }

    fn parse_name(&mut self) -> Result<&'a str, Error> {
        let r = self.rest();
        let name_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
        // Names are nearly always ASCII: look at bytes, one table lookup each (FET's names
        // are long, and testing each byte against every range was a sixth of reading a
        // file), and at characters past the first byte that is not.
        let ascii = r
            .bytes()
            .position(|b| !is_ascii_name_byte(b))
            .unwrap_or(r.len());
        let n = match r.get(ascii..) {
            Some(tail) if tail.bytes().next().is_some_and(|b| !b.is_ascii()) => {
                ascii
                    + tail
                        .char_indices()
                        .find(|&(_, c)| !name_char(c))
                        .map_or(tail.len(), |(i, _)| i)
            }
            _ => ascii,
        };
        if n == 0 {
            return Err(self.err("expected a name"));
        }
        let name = r.get(..n).unwrap_or("");
        self.advance(n);
        Ok(name)
    }

    fn parse_element(&mut self) -> Result<Element<'a>, Error> {
        let (line, column) = self.here();
        self.advance(1); // '<'
        let name = self.parse_name()?;
        let mut el = Element {
            name,
            attributes: Vec::new(),
            children: Vec::new(),
            raw_text: Cow::Borrowed(""),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        };
        loop {
            self.skip_ws();
            let r = self.rest();
            if r.starts_with("/>") {
                self.advance(2);
                return Ok(el);
            }
            if r.starts_with('>') {
                self.advance(1);
                break;
            }
            if r.is_empty() {
                return Err(self.err(format!("unterminated start tag <{}>", el.name)));
            }
            let key = self.parse_name()?;
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return Err(self.err(format!("attribute `{key}` has no value")));
            }
            self.advance(1);
            self.skip_ws();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err(self.err(format!("value of attribute `{key}` must be quoted"))),
            };
            self.advance(1);
            let Some(end) = self.rest().find(quote) else {
                return Err(self.err(format!("unterminated value of attribute `{key}`")));
            };
            let raw = self.rest().get(..end).unwrap_or("");
            let value = unescape(raw).map_err(|m| self.err(m))?;
            self.advance(end + 1);
            if el.attributes.iter().any(|(k, _)| *k == key) {
                return Err(self.err(format!("attribute `{key}` appears twice")));
            }
            el.attributes.push((key, value));
        }
        // Content: borrowed from the input while it is one piece without entities, as
        // nearly every leaf's is.
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        let mark = self.pending.len();
        loop {
            let r = self.rest();
            if r.is_empty() {
                return Err(Error::Xml {
                    line,
                    column,
                    message: format!("element <{}> is never closed", el.name),
                });
            }
            if r.starts_with("</") {
                self.advance(2);
                // Nearly always the name just opened: compare it whole, without reading
                // it byte by byte again.
                let close = match self.rest().strip_prefix(el.name) {
                    Some(after)
                        if !after
                            .bytes()
                            .next()
                            .is_some_and(|b| !b.is_ascii() || is_ascii_name_byte(b)) =>
                    {
                        self.advance(el.name.len());
                        el.name
                    }
                    _ => self.parse_name()?,
                };
                if close != el.name {
                    return Err(self.err(format!(
                        "closing tag </{close}> does not match <{}> opened at line {line}, column {column}",
                        el.name
                    )));
                }
                self.skip_ws();
                if !self.rest().starts_with('>') {
                    return Err(self.err("expected `>`"));
                }
                self.advance(1);
                el.children = self.pending.split_off(mark);
                el.raw_text = text;
                return Ok(el);
            } else if r.starts_with("<!--") {
                self.skip_past("-->", "comment")?;
            } else if r.starts_with("<![CDATA[") {
                self.advance(9);
                let Some(end) = self.rest().find("]]>") else {
                    return Err(self.err("unterminated CDATA section"));
                };
                push_text(
                    &mut text,
                    Cow::Borrowed(self.rest().get(..end).unwrap_or("")),
                );
                self.advance(end + 3);
            } else if r.starts_with("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else if r.starts_with('<') {
                let child = self.parse_element()?;
                self.pending.push(child);
            } else {
                let end = r.find('<').unwrap_or(r.len());
                let raw = r.get(..end).unwrap_or("");
                // The white space that lays out child elements is not kept: joining it
                // copied a string for nearly every element with children.
                let layout = self.pending.len() > mark && raw.trim().is_empty();
                if !layout {
                    let piece = unescape(raw).map_err(|m| self.err(m))?;
                    push_text(&mut text, piece);
                }
                self.advance(end);
            }
        }
    }
}

/// Append `piece` to an element's character data, copying only from the second piece.
fn push_text<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else if !piece.is_empty() {
        text.to_mut().push_str(&piece);
    }
}

fn unescape(raw: &str) -> Result<Cow<'_, str>, String> {
    if !raw.contains('&') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 1..).unwrap_or("");
        let Some(semi) = after.find(';') else {
            return Err("`&` without a closing `;`".to_string());
        };
        let entity = after.get(..semi).unwrap_or("");
        let ch = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") || e.starts_with("#X") => {
                u32::from_str_radix(e.get(2..).unwrap_or(""), 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("bad character reference `&{e};`"))?
            }
            e if e.starts_with('#') => e
                .get(1..)
                .unwrap_or("")
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("bad character reference `&{e};`"))?,
            e => return Err(format!("unknown entity `&{e};`")),
        };
        out.push(ch);
        rest = after.get(semi + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Escape text for an attribute value or character data.
pub fn escape(s: &str) -> String {
    Escaped(s).to_string()
}

/// Text escaped as it is written out, for `write!` into a larger document without a
/// string of its own per value.
pub struct Escaped<'s>(pub &'s str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['<', '>', '&', '"', '\'']) {
            let (plain, tail) = rest.split_at(i);
            f.write_str(plain)?;
            let mut chars = tail.chars();
            f.write_str(match chars.next() {
                Some('<') => "&lt;",
                Some('>') => "&gt;",
                Some('&') => "&amp;",
                Some('"') => "&quot;",
                _ => "&apos;",
            })?;
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tree_with_positions() {
        let doc = "\u{feff}<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<a x=\"1\" y='&lt;2'>\n  <b/>hi &amp; <!-- c --> there<c>t</c>\n</a>";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("y"), Some("<2"));
        assert_eq!(root.line, 3);
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.children[1].line, 4);
        assert_eq!(root.text(), "hi &  there");
        assert_eq!(root.child_text("c"), Some("t"));
    }

    /// Line and column counted in jumps, from wherever they were last counted, agree
    /// with counting every character from the start.
    #[test]
    fn positions_counted_in_jumps_match_counting_every_character() {
        let src = "a\u{e9}b\n\ncd\u{1f600}e\nf\n\u{e9}\u{e9}g";
        let naive = |to: usize| {
            let before = &src[..to];
            let line = 1 + before.matches('\n').count();
            let column = 1 + before.rsplit('\n').next().unwrap().chars().count();
            (line, column)
        };
        let stops: Vec<usize> = (0..=src.len())
            .filter(|&i| src.is_char_boundary(i))
            .collect();
        for stride in 1..stops.len() {
            let mut at = Counted {
                pos: 0,
                line: 1,
                column: 1,
            };
            for &to in stops.iter().step_by(stride) {
                at = at.moved_to(src.as_bytes(), to);
                assert_eq!(
                    (at.line, at.column),
                    naive(to),
                    "stride {stride}, byte {to}"
                );
            }
        }
    }

    #[test]
    fn elements_and_errors_carry_their_place_after_wide_characters() {
        let root = parse("<a>\n  <\u{e9}t\u{e9}>\u{e9}</\u{e9}t\u{e9}> <b/>\n</a>").unwrap();
        assert_eq!((root.children[0].line, root.children[0].column), (2, 3));
        assert_eq!((root.children[1].line, root.children[1].column), (2, 16));
        let err = parse("<a>\n <\u{e9}>\u{e9}\u{e9}</b>")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column 10"), "{err}");
    }

    #[test]
    fn escaping_round_trips_through_the_reader() {
        let text = "a<b>&\"c\"'d' \u{e9}";
        assert_eq!(
            escape(text),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos; \u{e9}"
        );
        let doc = format!("<x v=\"{}\">{}</x>", Escaped(text), Escaped(text));
        let root = parse(&doc).unwrap();
        assert_eq!(root.attr("v"), Some(text));
        assert_eq!(root.text(), text);
    }

    #[test]
    fn reports_mismatched_tags_with_place() {
        let err = parse("<a>\n <b>\n</a>").unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("</a>"), "{err}");
        assert!(parse("").is_err());
        assert!(parse("<a x=1/>").is_err());
        assert!(parse("<a>")
            .unwrap_err()
            .to_string()
            .contains("never closed"));
    }

    #[test]
    fn a_closing_tag_matches_only_the_whole_name() {
        // The name opened is compared whole first; a longer or shorter one is not it.
        for bad in ["<ab></abc>", "<ab></a>", "<a-b></a>", "<ab></abé>"] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains("does not match"), "{bad}: {err}");
        }
        for good in [
            "<ab></ab>",
            "<a:b.c></a:b.c >",
            "<é><x/></é>",
            "<r><ab>t</ab></r>",
        ] {
            assert!(parse(good).is_ok(), "{good}");
        }
        // XML's white space only: a no-break space is not layout.
        assert!(parse("<a\u{a0}x=\"1\"/>").is_err());
        assert!(parse("<a \t\r\nx=\"1\"/>").is_ok());
    }
}
