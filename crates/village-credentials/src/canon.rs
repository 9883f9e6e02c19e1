//! RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024) for the
//! datasets this crate builds, serialized as canonical N-Quads.
//!
//! The full algorithm needs the "Hash N-Degree Quads" step only to tell apart
//! blank nodes that share a first-degree hash *and* point at other blank nodes.
//! Credentials from this crate never link one blank node to another (criteria
//! and evidence without an id are leaves), so any blank nodes left tied after
//! the first-degree step are interchangeable: each is described by the same
//! quads, and whichever label each receives, the canonical N-Quads are the same
//! text. A dataset outside that subset is refused rather than guessed at.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::Error;

pub(crate) const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Term {
    Iri(String),
    Blank(String),
    Literal { value: String, datatype: String },
}

impl Term {
    pub(crate) fn iri(value: impl Into<String>) -> Self {
        Term::Iri(value.into())
    }

    pub(crate) fn blank(label: impl Into<String>) -> Self {
        Term::Blank(label.into())
    }

    pub(crate) fn string(value: impl Into<String>) -> Self {
        Term::typed(value, XSD_STRING)
    }

    pub(crate) fn typed(value: impl Into<String>, datatype: &str) -> Self {
        Term::Literal {
            value: value.into(),
            datatype: datatype.to_owned(),
        }
    }

    fn blank_label(&self) -> Option<&str> {
        match self {
            Term::Blank(label) => Some(label),
            _ => None,
        }
    }
}

/// A triple in the default graph: JSON-LD puts every statement of a credential
/// there, apart from the embedded proof, which is never canonicalized in place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Quad {
    pub(crate) subject: Term,
    pub(crate) predicate: String,
    pub(crate) object: Term,
}

impl Quad {
    pub(crate) fn new(subject: Term, predicate: &str, object: Term) -> Self {
        Quad {
            subject,
            predicate: predicate.to_owned(),
            object,
        }
    }

    fn blank_nodes(&self) -> BTreeSet<&str> {
        [&self.subject, &self.object]
            .into_iter()
            .filter_map(Term::blank_label)
            .collect()
    }
}

/// Canonical N-Quads of `quads`: relabelled blank nodes, one quad per line,
/// lines sorted, duplicates dropped (a dataset is a set).
pub(crate) fn canonicalize(quads: &[Quad]) -> Result<String, Error> {
    let quads: BTreeSet<&Quad> = quads.iter().collect();

    let mut mentions: BTreeMap<&str, Vec<&Quad>> = BTreeMap::new();
    for quad in &quads {
        let blanks = quad.blank_nodes();
        if blanks.len() > 1 {
            return Err(Error::Canonicalization(
                "a statement links two blank nodes".to_owned(),
            ));
        }
        for blank in blanks {
            mentions.entry(blank).or_default().push(quad);
        }
    }

    let mut by_hash: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (blank, its_quads) in &mentions {
        by_hash
            .entry(first_degree_hash(blank, its_quads))
            .or_default()
            .push(blank);
    }

    // As in the RDFC-1.0 canonicalization algorithm: blank nodes with a unique
    // hash are named first, in hash order, and only then the tied groups.
    let mut canonical: BTreeMap<&str, String> = BTreeMap::new();
    let unique = by_hash.values().filter(|group| group.len() == 1);
    let tied = by_hash.values().filter(|group| group.len() > 1);
    for blank in unique.chain(tied).flatten() {
        let label = format!("c14n{}", canonical.len());
        canonical.insert(blank, label);
    }

    let mut lines: Vec<String> = quads
        .iter()
        .map(|quad| {
            serialize(quad, &|blank| {
                canonical
                    .get(blank)
                    .map_or(blank, String::as_str)
                    .to_owned()
            })
        })
        .collect();
    lines.sort();
    lines.dedup();
    Ok(lines.concat())
}

/// RDFC-1.0 "Hash First Degree Quads".
fn first_degree_hash(blank: &str, quads: &[&Quad]) -> String {
    let mut lines: Vec<String> = quads
        .iter()
        .map(|quad| {
            serialize(quad, &|other| {
                if other == blank { "a" } else { "z" }.to_owned()
            })
        })
        .collect();
    lines.sort();
    hex(&Sha256::digest(lines.concat().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn serialize(quad: &Quad, label: &dyn Fn(&str) -> String) -> String {
    let mut line = String::new();
    write_term(&mut line, &quad.subject, label);
    line.push(' ');
    write_iri(&mut line, &quad.predicate);
    line.push(' ');
    write_term(&mut line, &quad.object, label);
    line.push_str(" .\n");
    line
}

fn write_term(out: &mut String, term: &Term, label: &dyn Fn(&str) -> String) {
    match term {
        Term::Iri(iri) => write_iri(out, iri),
        Term::Blank(blank) => {
            out.push_str("_:");
            out.push_str(&label(blank));
        }
        Term::Literal { value, datatype } => {
            out.push('"');
            for c in value.chars() {
                escape_literal_char(out, c);
            }
            out.push('"');
            if datatype != XSD_STRING {
                out.push_str("^^");
                write_iri(out, datatype);
            }
        }
    }
}

fn write_iri(out: &mut String, iri: &str) {
    out.push('<');
    for c in iri.chars() {
        if matches!(
            c,
            '\0'..=' ' | '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\'
        ) {
            push_uchar(out, c);
        } else {
            out.push(c);
        }
    }
    out.push('>');
}

/// Canonical N-Quads, as RDFC-1.0 serializes them: ECHAR for the
/// characters that have one, UCHAR for the remaining control characters.
fn escape_literal_char(out: &mut String, c: char) {
    match c {
        '\u{8}' => out.push_str("\\b"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\u{c}' => out.push_str("\\f"),
        '\r' => out.push_str("\\r"),
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\0'..='\u{1f}' | '\u{7f}' => push_uchar(out, c),
        _ => out.push(c),
    }
}

fn push_uchar(out: &mut String, c: char) {
    out.push_str(&format!("\\u{:04X}", u32::from(c)));
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "http://example.org/vocab#p";
    const NAME: &str = "https://schema.org/name";

    fn iri(s: &str) -> Term {
        Term::iri(s)
    }

    #[test]
    fn literals_are_escaped_as_canonical_n_quads() {
        let quads = [Quad::new(
            iri("urn:ex:s"),
            P,
            Term::string("\u{8}\t\n\u{b}\u{c}\r\"\\\u{7f}\u{1}é😀"),
        )];
        assert_eq!(
            canonicalize(&quads).unwrap(),
            "<urn:ex:s> <http://example.org/vocab#p> \"\\b\\t\\n\\u000B\\f\\r\\\"\\\\\\u007F\\u0001é😀\" .\n"
        );
    }

    #[test]
    fn typed_literals_name_their_datatype_but_plain_strings_do_not() {
        let quads = [
            Quad::new(
                iri("urn:ex:s"),
                P,
                Term::typed(
                    "2025-07-01T09:00:00Z",
                    "http://www.w3.org/2001/XMLSchema#dateTime",
                ),
            ),
            Quad::new(iri("urn:ex:s"), NAME, Term::string("x")),
        ];
        assert_eq!(
            canonicalize(&quads).unwrap(),
            "<urn:ex:s> <http://example.org/vocab#p> \"2025-07-01T09:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n\
             <urn:ex:s> <https://schema.org/name> \"x\" .\n"
        );
    }

    /// Expected text from rdf-canonize 5.0.0 (`RDFC-1.0`), an independent
    /// implementation, on the same input: a unique blank node and a tied pair.
    #[test]
    fn blank_nodes_are_relabelled_unique_hashes_first_then_ties() {
        let quads = [
            Quad::new(iri("urn:ex:s"), P, Term::blank("x")),
            Quad::new(iri("urn:ex:s"), P, Term::blank("y")),
            Quad::new(iri("urn:ex:s"), P, Term::blank("z")),
            Quad::new(Term::blank("x"), NAME, Term::string("same")),
            Quad::new(Term::blank("y"), NAME, Term::string("same")),
            Quad::new(Term::blank("z"), NAME, Term::string("other")),
        ];
        let expected = "<urn:ex:s> <http://example.org/vocab#p> _:c14n0 .\n\
                        <urn:ex:s> <http://example.org/vocab#p> _:c14n1 .\n\
                        <urn:ex:s> <http://example.org/vocab#p> _:c14n2 .\n\
                        _:c14n0 <https://schema.org/name> \"other\" .\n\
                        _:c14n1 <https://schema.org/name> \"same\" .\n\
                        _:c14n2 <https://schema.org/name> \"same\" .\n";
        assert_eq!(canonicalize(&quads).unwrap(), expected);
        let mut reversed = quads.to_vec();
        reversed.reverse();
        assert_eq!(canonicalize(&reversed).unwrap(), expected);
    }

    #[test]
    fn duplicate_statements_count_once() {
        let quad = Quad::new(iri("urn:ex:s"), NAME, Term::string("x"));
        assert_eq!(
            canonicalize(&[quad.clone(), quad]).unwrap(),
            "<urn:ex:s> <https://schema.org/name> \"x\" .\n"
        );
    }

    #[test]
    fn blank_nodes_linked_to_each_other_are_refused() {
        let quads = [Quad::new(Term::blank("a"), P, Term::blank("b"))];
        assert!(matches!(
            canonicalize(&quads),
            Err(Error::Canonicalization(_))
        ));
    }
}
