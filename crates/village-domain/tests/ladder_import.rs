//! Ladders in and out of files: Village JSON, CSV and 1EdTech CASE 1.0, with the fixtures in
//! `tests/fixtures/ladders/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use village_domain::ladder::{
    builtin, parse_case, parse_csv, parse_json, to_csv, to_json, validate_all, Ladder, LadderKind,
    Rung,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/ladders/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn codes(ladder: &Ladder) -> Vec<&str> {
    ladder.rungs.iter().map(|r| r.code.as_str()).collect()
}

// ---- Village JSON and CSV ------------------------------------------------------------

#[test]
fn good_json_reads() {
    let ladders = parse_json(&fixture("good.json")).unwrap();
    assert_eq!(ladders.len(), 2);
    let fractions = &ladders[0];
    assert_eq!(fractions.title, "Fractions");
    assert_eq!(fractions.subject.as_deref(), Some("Maths"));
    assert_eq!(fractions.kind, LadderKind::Subject);
    assert_eq!(codes(fractions), ["1", "2", "3", "4"]);
    assert_eq!(
        fractions.rungs[1].descriptor,
        "I can find a third, a fifth or a tenth of a number.\nI can show it with a drawing."
    );
    assert_eq!(
        fractions.rungs[3].next_step, "",
        "next_step may be left out"
    );
    let team = &ladders[1];
    assert_eq!(team.kind, LadderKind::Capability);
    assert_eq!(team.subject, None);
    assert_eq!(team.description, "");
}

#[test]
fn good_csv_reads_the_same_ladders_as_good_json() {
    // The CSV has a byte-order mark, headers in other words and cases, an extra column,
    // blank lines, quoted commas, quotes and line breaks, and ladder columns left blank
    // after the first row.
    let from_csv = parse_csv(&fixture("good.csv")).unwrap();
    let from_json = parse_json(&fixture("good.json")).unwrap();
    assert_eq!(from_csv, from_json);
}

#[test]
fn csv_with_windows_line_endings_reads_the_same() {
    let crlf = fixture("good.csv").replace('\n', "\r\n");
    assert_eq!(
        parse_csv(&crlf).unwrap(),
        parse_json(&fixture("good.json")).unwrap()
    );
}

#[test]
fn exports_read_back_unchanged() {
    let ladders = parse_json(&fixture("good.json")).unwrap();
    assert_eq!(parse_json(&to_json(&ladders)).unwrap(), ladders);
    assert_eq!(parse_csv(&to_csv(&ladders)).unwrap(), ladders);
    assert!(to_csv(&ladders).starts_with(
        "ladder,subject,kind,rung_code,rung_title,descriptor,next_step,ladder_description\n"
    ));
}

#[test]
fn empty_exports_read_back_empty() {
    assert_eq!(parse_json(&to_json(&[])).unwrap(), vec![]);
    assert_eq!(parse_csv(&to_csv(&[])).unwrap(), vec![]);
}

fn json_error(name: &str) -> String {
    parse_json(&fixture(name)).unwrap_err().to_string()
}

fn csv_error(text: &str) -> String {
    parse_csv(text).unwrap_err().to_string()
}

#[test]
fn json_with_an_unknown_version_is_refused() {
    assert_eq!(
        json_error("bad-version.json"),
        "version: is 2, which is newer than this version of Village understands; \
         it reads version 1"
    );
    assert_eq!(
        json_error("bad-format.json"),
        "format: is \"ladders-from-elsewhere\", but Village reads only \"village-ladders\" files"
    );
    assert_eq!(
        parse_json(r#"{"ladders": []}"#).unwrap_err().to_string(),
        "format: is missing; a Village ladders file has \"format\": \"village-ladders\""
    );
    assert_eq!(
        parse_json(r#"{"format": "village-ladders", "ladders": []}"#)
            .unwrap_err()
            .to_string(),
        "version: is missing; this version of Village reads version 1"
    );
}

#[test]
fn json_with_duplicate_codes_is_refused() {
    assert_eq!(
        json_error("bad-duplicate-codes.json"),
        "ladders[0].rungs[3].code: two rungs are both called \"5\""
    );
}

#[test]
fn json_with_a_one_rung_ladder_is_refused() {
    assert_eq!(
        json_error("bad-one-rung.json"),
        "ladders[0].rungs: a ladder needs at least 2 rungs, and this one has 1"
    );
}

#[test]
fn json_mistakes_are_named_by_place() {
    let good = fixture("good.json");
    let e = parse_json(&good.replace("\"kind\": \"capability\"", "\"kind\": \"skill\""))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("ladders[1]: unknown variant \"skill\", expected"),
        "{e}"
    );
    let e = parse_json(&good.replace("\"code\": \"Growing\",", ""))
        .unwrap_err()
        .to_string();
    assert_eq!(e, "ladders[1].rungs[1]: missing field \"code\"");
    let e = parse_json(&good.replacen("\"Fractions\"", "\"Working in a team\"", 1))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("ladders[1].title: two ladders are both called \"Working in a team\""),
        "{e}"
    );
    let e = parse_json(&fixture("good-case.json"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "the file: looks like a CASE package, not a Village ladders file; import it as CASE"
    );
}

#[test]
fn csv_missing_a_column_is_refused() {
    assert_eq!(
        csv_error(&fixture("bad-missing-column.csv")),
        "line 1: the header has no \"next_step\" column; it should be: \
         ladder,subject,kind,rung_code,rung_title,descriptor,next_step"
    );
}

#[test]
fn csv_line_numbers_count_quoted_line_breaks() {
    // The descriptor on line 2 runs onto line 3, so the title with a line break is on line 4.
    assert_eq!(
        csv_error(&fixture("bad-quoted-newline.csv")),
        "line 4, column \"rung_title\": must be on one line"
    );
}

#[test]
fn csv_row_problems_name_the_line_and_column() {
    let header = "ladder,subject,kind,rung_code,rung_title,descriptor,next_step\n";
    assert_eq!(
        csv_error(&format!("{header}Maths,,subject,1,One,I can.\n")),
        "line 2: this row has 6 values, but the header has 7; missing: \"next_step\""
    );
    assert_eq!(
        csv_error(&format!("{header}Maths,,subject,1,One,I can, really,\n")),
        "line 2: this row has 8 values, but the header has 7; \
         is there a comma that should be inside quotes?"
    );
    assert_eq!(
        csv_error(&format!(
            "{header}Maths,,subject,1,One,I can.,\nMaths,,subject,2,Two,I can.,\n\
             Reading,,subject,1,One,I can.,\nReading,,subject,2,Two,I can.,\n\
             Maths,,subject,3,Three,I can.,\n"
        )),
        "line 6, column \"ladder\": the ladder \"Maths\" already ended on line 3; \
         keep all the rows of a ladder together"
    );
    assert_eq!(
        csv_error(&format!(
            "{header}Maths,,subject,1,One,I can.,\nMaths,,subject,1,Two,I can.,\n"
        )),
        "line 3, column \"rung_code\": two rungs are both called \"1\""
    );
    assert_eq!(
        csv_error(&format!(
            "{header}Maths,,subject,1,One,I can.,\nMaths,Science,,2,Two,I can.,\n"
        )),
        "line 3, column \"subject\": says \"Science\", but this ladder started on line 2 \
         with no subject; leave it blank or make them match"
    );
    assert_eq!(
        csv_error(&format!("{header}Maths,,sums,1,One,I can.,\n")),
        "line 2, column \"kind\": is \"sums\"; write \"subject\" or \"capability\""
    );
    assert_eq!(
        csv_error(&format!(
            "{header}Maths,,subject,1,One,I can.,\nMaths,,subject,2,Two,I can.,\nTeam,,capability,A,B,C,\n"
        )),
        "line 4, ladder \"Team\": a ladder needs at least 2 rungs, and this one has 1"
    );
    let rows: String = (1..=31)
        .map(|n| format!("Maths,,subject,{n},Rung {n},I can.,\n"))
        .collect();
    assert_eq!(
        csv_error(&format!("{header}{rows}")),
        "line 32: this would be rung 31 of the ladder \"Maths\"; a ladder can have at most \
         30 rungs"
    );
    assert_eq!(
        csv_error(""),
        "the file: is empty; the first line should be the header: \
         ladder,subject,kind,rung_code,rung_title,descriptor,next_step,ladder_description"
    );
}

// ---- 1EdTech CASE ----------------------------------------------------------------------

#[test]
fn case_items_with_leaf_children_become_ladders_in_tree_order() {
    let ladders = parse_case(&fixture("good-case.json")).unwrap();
    let titles: Vec<&str> = ladders.iter().map(|l| l.title.as_str()).collect();
    // "Number" only groups Counting and Fractions, so it is not a ladder itself.
    assert_eq!(titles, ["Counting", "Fractions", "Telling the time"]);
    for l in &ladders {
        assert_eq!(l.kind, LadderKind::Subject);
        assert_eq!(l.subject.as_deref(), Some("Mathematics"));
    }

    let counting = &ladders[0];
    // Ordered by humanCodingScheme, reading numbers as numbers.
    assert_eq!(codes(counting), ["N.C.1", "N.C.2", "N.C.10"]);
    assert_eq!(counting.description, "");
    assert_eq!(
        counting.rungs[0],
        Rung {
            code: "N.C.1".into(),
            title: "Count to 10".into(),
            descriptor: "I can count to 10.".into(),
            next_step: "I can count to 20, forwards and backwards.".into(),
        }
    );
    assert_eq!(
        counting.rungs[2].next_step, "",
        "the top rung has no next step"
    );

    let fractions = &ladders[1];
    // One child has no humanCodingScheme, so codes come from listEnumeration.
    assert_eq!(codes(fractions), ["a", "b", "c"]);
    assert_eq!(
        fractions.description,
        "Understanding fractions, from halves to adding fractions with different denominators."
    );
    let long = &fractions.rungs[2];
    assert!(long.descriptor.chars().count() > 120);
    assert!(long.title.ends_with('…') && long.title.chars().count() <= 120);
    assert!(long
        .descriptor
        .starts_with(long.title.trim_end_matches('…')));

    // Ordered by sequenceNumber, whatever the order of CFItems.
    assert_eq!(codes(&ladders[2]), ["M.T.1", "M.T.2", "M.T.3"]);
}

#[test]
fn a_flat_case_package_is_one_ladder() {
    let ladders = parse_case(&fixture("flat-case.json")).unwrap();
    assert_eq!(ladders.len(), 1);
    let l = &ladders[0];
    assert_eq!(l.title, "Reading aloud");
    assert_eq!(l.description, "How well I read aloud.");
    assert_eq!(l.subject.as_deref(), Some("English"));
    // The coding scheme is too long for a badge, so codes come from listEnumeration.
    assert_eq!(codes(l), ["1", "2", "3"]);
    assert_eq!(
        l.rungs[0].next_step,
        "I read aloud smoothly, pausing at full stops."
    );
}

#[test]
fn case_imports_export_and_read_back() {
    let ladders = parse_case(&fixture("good-case.json")).unwrap();
    validate_all(&ladders).unwrap();
    assert_eq!(parse_json(&to_json(&ladders)).unwrap(), ladders);
    assert_eq!(parse_csv(&to_csv(&ladders)).unwrap(), ladders);
}

#[test]
fn case_association_to_a_missing_item_is_refused() {
    assert_eq!(
        parse_case(&fixture("bad-case-missing-item.json"))
            .unwrap_err()
            .to_string(),
        "CFAssociation 3b3d4a41-1f8f-58c9-8b5c-128837345061: its child (originNodeURI) is \
         \"31562c63-e43d-5368-a5c3-f217219e1c4c\", which is not a CFItem in this package"
    );
}

#[test]
fn case_cycle_is_refused() {
    assert_eq!(
        parse_case(&fixture("bad-case-cycle.json"))
            .unwrap_err()
            .to_string(),
        "CFItem 307a68aa-c01f-53f5-a4ca-6c2252fb7ddc: its isChildOf associations go round in \
         a circle: it is a child of 660127ef-e0c7-533d-8b99-e6ab69454219, which is a child of \
         307a68aa-c01f-53f5-a4ca-6c2252fb7ddc again; a tree of items cannot go round in a circle"
    );
}

#[test]
fn case_problems_name_the_item() {
    let one_child = r#"{
      "CFDocument": {"identifier": "d", "title": "Doc"},
      "CFItems": [
        {"identifier": "p", "fullStatement": "Parent"},
        {"identifier": "c", "fullStatement": "Only child"}
      ],
      "CFAssociations": [
        {"associationType": "isChildOf", "identifier": "a1",
         "originNodeURI": {"identifier": "c"}, "destinationNodeURI": {"identifier": "p"}}
      ]
    }"#;
    assert_eq!(
        parse_case(one_child).unwrap_err().to_string(),
        "CFItem p: a ladder needs at least 2 rungs, and this one has 1"
    );
    let self_parent = one_child.replace(
        r#""destinationNodeURI": {"identifier": "p"}"#,
        r#""destinationNodeURI": {"identifier": "c"}"#,
    );
    assert_eq!(
        parse_case(&self_parent).unwrap_err().to_string(),
        "CFItem c: it is a child of itself (isChildOf); a tree of items cannot go round in a circle"
    );
    let stranger = one_child.replace(
        r#""destinationNodeURI": {"identifier": "p"}"#,
        r#""destinationNodeURI": {"identifier": "elsewhere"}"#,
    );
    assert_eq!(
        parse_case(&stranger).unwrap_err().to_string(),
        "CFAssociation a1: its parent (destinationNodeURI) is \"elsewhere\", which is neither \
         the CFDocument nor a CFItem in this package"
    );
    let no_statement = one_child.replace(r#""fullStatement": "Parent""#, r#""notes": "x""#);
    assert_eq!(
        parse_case(&no_statement).unwrap_err().to_string(),
        "CFItem p: missing field \"fullStatement\""
    );
    let long = one_child.replace("Only child", &"word ".repeat(210));
    let two = long.replace(
        r#"{"identifier": "c", "#,
        r#"{"identifier": "c0", "fullStatement": "Sibling"}, {"identifier": "c", "#,
    );
    let two = two.replace(
        r#""associationType": "isChildOf", "identifier": "a1","#,
        r#""associationType": "isChildOf", "identifier": "a0",
         "originNodeURI": {"identifier": "c0"}, "destinationNodeURI": {"identifier": "p"}},
        {"associationType": "isChildOf", "identifier": "a1","#,
    );
    assert_eq!(
        parse_case(&two).unwrap_err().to_string(),
        "CFItem c: its fullStatement is 1,049 characters long; the most is 1,000"
    );
    assert_eq!(
        parse_case(&fixture("good.json")).unwrap_err().to_string(),
        "the file: is a Village ladders file, not a CASE package; import it as Village JSON"
    );
    assert_eq!(
        parse_case(r#"{"CFDocument": {"identifier": "d", "title": "Doc"}, "CFItems": []}"#)
            .unwrap_err()
            .to_string(),
        "CFItems: the package has no items, so there are no rungs to make a ladder from"
    );
}

// ---- Built-in ladders ------------------------------------------------------------------

#[test]
fn builtin_ladders_all_validate() {
    let ladders = builtin();
    validate_all(&ladders).unwrap();
    let titles: Vec<&str> = ladders.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "GCSE grades 1 to 9",
            "Working towards, expected, greater depth",
            "Resilient: I keep going",
            "Resourceful: I find ways to learn",
            "Reflective: I think about my learning",
            "Responsible: I take charge of my learning",
        ]
    );
    assert_eq!(
        codes(&ladders[0]),
        ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    );
    assert_eq!(codes(&ladders[1]), ["WTS", "EXS", "GDS"]);
    for l in &ladders[2..] {
        assert_eq!(l.kind, LadderKind::Capability);
        assert_eq!(codes(l), ["Starting", "Growing", "Secure", "Leading"]);
    }
    for l in &ladders {
        for r in &l.rungs {
            assert!(
                !r.descriptor.is_empty() && !r.next_step.is_empty(),
                "{}",
                r.title
            );
        }
    }
}

#[test]
fn builtin_files_are_written_as_export_writes_them() {
    for name in [
        "gcse-grades.json",
        "primary-standards.json",
        "learning-to-learn.json",
    ] {
        let path = format!("{}/ladders/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(to_json(&parse_json(&text).unwrap()), text, "{name}");
    }
}

// ---- Round trips -----------------------------------------------------------------------

fn one_line() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,.;:'\"()=+/éü€…-]{1,40}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty())
}

fn many_lines() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,.;:'\"()=+/éü€…\n-]{0,120}".prop_map(|s| s.trim().to_string())
}

fn rung_parts() -> impl Strategy<Value = (String, String, String, String)> {
    ("[a-zA-Z]{0,3}", one_line(), many_lines(), many_lines())
}

fn ladder_strategy() -> impl Strategy<Value = Ladder> {
    (
        one_line(),
        prop_oneof![
            Just((LadderKind::Capability, None)),
            Just((LadderKind::Subject, None)),
            one_line().prop_map(|s| (LadderKind::Subject, Some(s))),
        ],
        many_lines(),
        proptest::collection::vec(rung_parts(), 2..=30),
    )
        .prop_map(|(title, (kind, subject), description, parts)| Ladder {
            title,
            subject,
            kind,
            description,
            rungs: parts
                .into_iter()
                .enumerate()
                // Letters then the rung's number: distinct whatever the letters.
                .map(|(i, (prefix, title, descriptor, next_step))| Rung {
                    code: format!("{prefix}{i}"),
                    title,
                    descriptor,
                    next_step,
                })
                .collect(),
        })
}

fn ladders_strategy() -> impl Strategy<Value = Vec<Ladder>> {
    proptest::collection::vec(ladder_strategy(), 0..4).prop_map(|mut ladders| {
        // Titles are unique within a file.
        for (i, l) in ladders.iter_mut().enumerate() {
            l.title = format!("{} {i}", l.title);
        }
        ladders
    })
}

proptest! {
    #[test]
    fn any_valid_ladders_survive_json_and_csv(ladders in ladders_strategy()) {
        prop_assert_eq!(validate_all(&ladders), Ok(()));
        prop_assert_eq!(parse_json(&to_json(&ladders)), Ok(ladders.clone()));
        prop_assert_eq!(parse_csv(&to_csv(&ladders)), Ok(ladders));
    }
}
