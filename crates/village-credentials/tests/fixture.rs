//! The committed credential `tests/fixtures/achievement.json` is exactly what
//! `issue` produces for the award below, so the independent check in
//! `tests/browser/credentials.test.mjs` covers this crate's output.
//!
//! After an intended change to the output, regenerate it with
//! `UPDATE_FIXTURES=1 cargo test -p village-credentials --test fixture`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use serde_json::{json, Value};
use village_credentials::{issue, verify, Award, Error, Evidence, IssuerKey, Verified};

/// RFC 8032 §7.1 TEST 1 secret: a published test key, never one to use.
const TEST_SECRET: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

fn fixture_award() -> Award {
    Award {
        id: "urn:uuid:3f1c9a4e-8b2d-4c6f-9e1a-7d5b2c8f0a13".into(),
        issuer_name: "Riverside Community School".into(),
        issuer_url: Some("https://riverside.school.example/".into()),
        learner_id: "urn:uuid:b7e2d4a1-5c3f-4e8a-9b6d-1f0c2a4e6d8b".into(),
        learner_name: "Zoë O'Connor-Adeyemi".into(),
        achievement_id: "urn:uuid:0c8e5f2a-9d1b-4a7c-8e3f-6b2d4a1c9e05".into(),
        achievement_type: "Competency".into(),
        achievement_name: "Peer Tutor: Reading".into(),
        achievement_description: "Tutored a younger pupil in reading for a full term, \
                                  planning each session with their teacher."
            .into(),
        criteria_narrative: "Completed the peer tutor training, then logged at least ten \
                             sessions that both tutor and tutee recorded.\n\n\
                             Sessions are \"logged by both sides\" when each wrote a note."
            .into(),
        awarded_at: "2025-07-01T09:00:00Z".into(),
        evidence: vec![
            Evidence {
                id: None,
                name: "evidence/session-log.pdf".into(),
                narrative: "Twelve sessions between 14 January and 2 April.".into(),
            },
            Evidence {
                id: Some("urn:uuid:5a9d3c7e-2b4f-4d1a-8c6e-0f3b5d7a9c21".into()),
                name: "evidence/teacher-statement.txt".into(),
                narrative: "Class teacher's statement: \u{201c}steady, patient and well \
                            prepared\u{201d}."
                    .into(),
            },
        ],
    }
}

/// A named change to a credential (or to an award, for `AwardEdit`).
type Edit = (&'static str, Box<dyn FnOnce(&mut Value)>);
type AwardEdit = (&'static str, Box<dyn Fn(&mut Award)>);

/// Text that JSON, N-Quads and canonical sorting each treat specially,
/// evidence listed twice (blank nodes that canonicalization must tie-break),
/// an extension achievement type and no issuer web address.
fn awkward_award() -> Award {
    let mut award = fixture_award();
    award.id = "urn:uuid:9E4B2C7A-1D3F-4A5B-8C6D-0E1F2A3B4C5D".into();
    award.issuer_url = None;
    award.learner_name =
        "\u{1}\t\"quoted\"\\ \u{7f}\u{8}\u{b}\u{c}\r\n 😀 \u{e000} \u{2028} <tag>".into();
    award.achievement_type = "ext:PeerTutor".into();
    award.achievement_id =
        "https://riverside.school.example/achievements/../peer-tutor?term=summer#2025".into();
    award.awarded_at = "2024-02-29T23:59:59.250Z".into();
    award.evidence.push(award.evidence[0].clone());
    award.evidence.push(Evidence {
        id: None,
        name: "evidence/photo.jpg".into(),
        narrative: String::new(),
    });
    award
}

fn fixture_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file)
}

fn committed() -> Value {
    let text = std::fs::read_to_string(fixture_path("achievement.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_issues_fixture(file: &str, award: &Award) {
    let key = IssuerKey::from_secret(&TEST_SECRET);
    let credential = issue(&key, award).unwrap();
    let text = serde_json::to_string_pretty(&credential).unwrap() + "\n";
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(fixture_path(file), &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(fixture_path(file)).unwrap();
    assert_eq!(
        text, on_disk,
        "issue() no longer gives tests/fixtures/{file}; if the change is intended, \
         rerun with UPDATE_FIXTURES=1 and check it with the browser tests"
    );
}

#[test]
fn issuing_the_fixture_award_gives_the_committed_file() {
    assert_issues_fixture("achievement.json", &fixture_award());
}

#[test]
fn issuing_the_awkward_award_gives_the_committed_file() {
    assert_issues_fixture("awkward-text.json", &awkward_award());
}

#[test]
fn issuing_is_deterministic() {
    let key = IssuerKey::from_secret(&TEST_SECRET);
    let one = serde_json::to_string(&issue(&key, &fixture_award()).unwrap()).unwrap();
    let two = serde_json::to_string(&issue(&key, &fixture_award()).unwrap()).unwrap();
    assert_eq!(one, two);
}

#[test]
fn the_committed_credential_verifies() {
    let verified = verify(&committed()).unwrap();
    assert_eq!(
        verified,
        Verified {
            issuer_did: "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw".into(),
            credential_id: "urn:uuid:3f1c9a4e-8b2d-4c6f-9e1a-7d5b2c8f0a13".into(),
            achievement_name: "Peer Tutor: Reading".into(),
            learner_name: "Zoë O'Connor-Adeyemi".into(),
        }
    );
}

fn tampered(change: impl FnOnce(&mut Value)) -> Result<Verified, Error> {
    let mut credential = committed();
    change(&mut credential);
    verify(&credential)
}

#[test]
fn changed_content_is_rejected() {
    let changes: Vec<Edit> = vec![
        (
            "achievement name",
            Box::new(|c| {
                c["credentialSubject"]["achievement"]["name"] = json!("Peer Tutor: Mathematics")
            }),
        ),
        (
            "learner name",
            Box::new(|c| c["credentialSubject"]["name"] = json!("Someone Else")),
        ),
        (
            "learner id",
            Box::new(|c| {
                c["credentialSubject"]["id"] =
                    json!("urn:uuid:00000000-0000-4000-8000-000000000000")
            }),
        ),
        (
            "credential name",
            Box::new(|c| c["name"] = json!("Head Boy")),
        ),
        (
            "issuer name",
            Box::new(|c| c["issuer"]["name"] = json!("Another School")),
        ),
        (
            "award time",
            Box::new(|c| c["validFrom"] = json!("2020-07-01T09:00:00Z")),
        ),
        (
            "criteria",
            Box::new(|c| {
                c["credentialSubject"]["achievement"]["criteria"]["narrative"] = json!("None.")
            }),
        ),
        (
            "evidence narrative",
            Box::new(|c| c["evidence"][0]["narrative"] = json!("Forty sessions.")),
        ),
        (
            "evidence removed",
            Box::new(|c| {
                c["evidence"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "proof created",
            Box::new(|c| c["proof"]["created"] = json!("2025-07-02T09:00:00Z")),
        ),
        (
            "proof value",
            Box::new(|c| {
                let value = c["proof"]["proofValue"].as_str().unwrap();
                let mut chars: Vec<char> = value.chars().collect();
                chars[20] = if chars[20] == 'A' { 'B' } else { 'A' };
                c["proof"]["proofValue"] = json!(chars.into_iter().collect::<String>());
            }),
        ),
    ];
    for (what, change) in changes {
        match tampered(change) {
            Err(Error::BadSignature) => {}
            other => panic!("changing the {what} gave {other:?}"),
        }
    }
}

/// Evidence is a set in the signed statements, as in any JSON-LD verifier:
/// listing it in another order states the same thing.
#[test]
fn reordered_evidence_states_the_same_and_verifies() {
    let result = tampered(|c| c["evidence"].as_array_mut().unwrap().reverse());
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn foreign_shapes_are_refused_not_verified() {
    let cases: Vec<Edit> = vec![
        (
            "an extra field",
            Box::new(|c| c["credentialSubject"]["role"] = json!("Head Boy")),
        ),
        (
            "an extra context",
            Box::new(|c| {
                c["@context"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"role": "https://example.org/role"}))
            }),
        ),
        (
            "an older Open Badges context",
            Box::new(|c| {
                c["@context"][1] = json!("https://purl.imsglobal.org/spec/ob/v3p0/context.json")
            }),
        ),
        (
            "an extra type",
            Box::new(|c| {
                c["type"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("AchievementCredential"))
            }),
        ),
        (
            "a type as a string",
            Box::new(|c| c["credentialSubject"]["type"] = json!("AchievementSubject")),
        ),
        (
            "a number where text belongs",
            Box::new(|c| c["credentialSubject"]["name"] = json!(42)),
        ),
        (
            "a local time",
            Box::new(|c| c["validFrom"] = json!("2025-07-01T10:00:00+01:00")),
        ),
        (
            "no subject",
            Box::new(|c| c["credentialSubject"] = json!(null)),
        ),
    ];
    for (what, change) in cases {
        match tampered(change) {
            Err(Error::UnsupportedShape(message)) => assert!(!message.is_empty()),
            other => panic!("{what} gave {other:?}"),
        }
    }
}

#[test]
fn other_issuers_and_proofs_are_refused() {
    let did_web = tampered(|c| c["issuer"]["id"] = json!("did:web:riverside.school.example"));
    assert!(
        matches!(did_web, Err(Error::UnsupportedIssuer(_))),
        "{did_web:?}"
    );

    let url_issuer = tampered(|c| c["issuer"] = json!("https://riverside.school.example/"));
    assert!(
        matches!(url_issuer, Err(Error::UnsupportedIssuer(_))),
        "{url_issuer:?}"
    );

    // Another school's key cannot vouch for this one's credential.
    let other = IssuerKey::from_secret(&[42; 32]);
    let swapped = tampered(|c| {
        c["issuer"]["id"] = json!(other.did());
        c["proof"]["verificationMethod"] = json!(other.verification_method());
    });
    assert!(matches!(swapped, Err(Error::BadSignature)), "{swapped:?}");
    let mismatched = tampered(|c| c["issuer"]["id"] = json!(other.did()));
    assert!(
        matches!(mismatched, Err(Error::UnsupportedProof(_))),
        "{mismatched:?}"
    );

    for (what, change) in [
        ("cryptosuite", json!({"cryptosuite": "ecdsa-rdfc-2019"})),
        ("type", json!({"type": "Ed25519Signature2020"})),
        ("purpose", json!({"proofPurpose": "authentication"})),
        ("extra field", json!({"nonce": "abc"})),
    ] {
        let result = tampered(|c| {
            for (key, value) in change.as_object().unwrap() {
                c["proof"][key] = value.clone();
            }
        });
        assert!(
            matches!(result, Err(Error::UnsupportedProof(_))),
            "{what}: {result:?}"
        );
    }
    let no_proof = tampered(|c| {
        c.as_object_mut().unwrap().remove("proof");
    });
    assert!(matches!(no_proof, Err(Error::UnsupportedProof(_))));
    let two_proofs = tampered(|c| {
        let proof = c["proof"].clone();
        c["proof"] = json!([proof.clone(), proof]);
    });
    assert!(matches!(two_proofs, Err(Error::UnsupportedProof(_))));
}

#[test]
fn a_proof_in_a_one_element_list_is_accepted() {
    let result = tampered(|c| c["proof"] = json!([c["proof"].clone()]));
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn fresh_keys_and_awkward_text_round_trip() {
    let key = IssuerKey::generate(&mut rand::rngs::OsRng);
    let mut award = awkward_award();
    let verified = verify(&issue(&key, &award).unwrap()).unwrap();
    assert_eq!(verified.issuer_did, key.did());
    assert_eq!(verified.learner_name, award.learner_name);

    award.evidence.clear();
    let credential = issue(&key, &award).unwrap();
    assert!(credential.get("evidence").is_none());
    verify(&credential).unwrap();
}

#[test]
fn invalid_awards_are_refused_with_reasons() {
    let key = IssuerKey::from_secret(&TEST_SECRET);
    let cases: Vec<AwardEdit> = vec![
        ("urn:uuid", Box::new(|a| a.id = "credential-1".into())),
        (
            "learner id",
            Box::new(|a| a.learner_id = "pupil@school.example".into()),
        ),
        (
            "achievement id",
            Box::new(|a| a.achievement_id = "peer tutor".into()),
        ),
        (
            "achievement type",
            Box::new(|a| a.achievement_type = "Prize".into()),
        ),
        (
            "RFC 3339",
            Box::new(|a| a.awarded_at = "1 July 2025".into()),
        ),
        (
            "learner name is empty",
            Box::new(|a| a.learner_name = " ".into()),
        ),
        (
            "web address",
            Box::new(|a| a.issuer_url = Some("riverside".into())),
        ),
        (
            "evidence 1 has no name",
            Box::new(|a| a.evidence[0].name = String::new()),
        ),
        (
            "used for two different things",
            Box::new(|a| a.achievement_id = a.learner_id.clone()),
        ),
    ];
    for (expected, change) in cases {
        let mut award = fixture_award();
        change(&mut award);
        match issue(&key, &award) {
            Err(Error::InvalidAward(message)) => {
                assert!(message.contains(expected), "{expected}: {message}")
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
}
