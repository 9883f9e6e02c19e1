//! The one credential shape Village issues: its JSON-LD form, its RDF
//! statements, and the way back from JSON to the award it states.
//!
//! The RDF mapping is written out by hand from the term definitions of the two
//! contexts the credential names (bundled in `contexts/`; a test checks every
//! IRI used here against them). That is faithful only for this exact shape,
//! so [`Content::from_json`] is paired with a check that the JSON it read is
//! exactly what [`Content::to_json`] would write: anything else is refused.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::canon::{Quad, Term};
use crate::{Award, Evidence};

pub(crate) const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub(crate) const OB_V3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const XSD_DATE_TIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";
/// Sic: the Open Badges context types `url` with an https XML Schema IRI, and a
/// verifier expanding that context produces exactly this datatype.
const OB_ANY_URI: &str = "https://www.w3.org/2001/XMLSchema#anyURI";

const VC_VERIFIABLE_CREDENTIAL: &str = "https://www.w3.org/2018/credentials#VerifiableCredential";
const VC_CREDENTIAL_SUBJECT: &str = "https://www.w3.org/2018/credentials#credentialSubject";
const VC_EVIDENCE: &str = "https://www.w3.org/2018/credentials#evidence";
const VC_ISSUER: &str = "https://www.w3.org/2018/credentials#issuer";
const VC_VALID_FROM: &str = "https://www.w3.org/2018/credentials#validFrom";

const SCHEMA_NAME: &str = "https://schema.org/name";
const SCHEMA_DESCRIPTION: &str = "https://schema.org/description";
const SCHEMA_URL: &str = "https://schema.org/url";

const OB_OPEN_BADGE_CREDENTIAL: &str =
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential";
const OB_PROFILE: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Profile";
const OB_ACHIEVEMENT_SUBJECT: &str =
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#AchievementSubject";
const OB_ACHIEVEMENT_CLASS: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement";
const OB_ACHIEVEMENT: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement";
const OB_ACHIEVEMENT_TYPE: &str =
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievementType";
/// The context maps the `criteria` property to the class-like IRI `#Criteria`.
const OB_CRITERIA: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Criteria";
const OB_NARRATIVE: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative";
const OB_EVIDENCE: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Evidence";

const DATA_INTEGRITY_PROOF: &str = "https://w3id.org/security#DataIntegrityProof";
const DC_CREATED: &str = "http://purl.org/dc/terms/created";
const SEC_CRYPTOSUITE: &str = "https://w3id.org/security#cryptosuite";
const SEC_CRYPTOSUITE_STRING: &str = "https://w3id.org/security#cryptosuiteString";
const SEC_PROOF_PURPOSE: &str = "https://w3id.org/security#proofPurpose";
const SEC_ASSERTION_METHOD: &str = "https://w3id.org/security#assertionMethod";
const SEC_VERIFICATION_METHOD: &str = "https://w3id.org/security#verificationMethod";

pub(crate) const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// The achievement types Open Badges 3.0 defines; others must be `ext:…`.
const ACHIEVEMENT_TYPES: [&str; 31] = [
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// Schemes accepted in identifiers. None of them is a term of either context,
/// so a JSON-LD processor cannot read an identifier as a compact IRI.
pub(crate) const ID_SCHEMES: [&str; 4] = ["urn", "did", "https", "http"];

/// Everything a credential states: the award, who issued it, and the
/// credential's display name (Village writes the achievement's name there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub(crate) award: Award,
    pub(crate) issuer_did: String,
    pub(crate) title: String,
}

impl Content {
    pub(crate) fn new(award: &Award, issuer_did: String) -> Self {
        Content {
            title: award.achievement_name.clone(),
            award: award.clone(),
            issuer_did,
        }
    }

    /// What is wrong with this content, in words for the person who sees it.
    pub(crate) fn problem(&self) -> Option<String> {
        let a = &self.award;
        let mut problems = Vec::new();
        if !is_urn_uuid(&a.id) {
            problems.push(format!("the credential id {:?} is not a urn:uuid", a.id));
        }
        if !is_urn_uuid(&a.learner_id) {
            problems.push(format!(
                "the learner id {:?} is not a urn:uuid",
                a.learner_id
            ));
        }
        if !is_identifier(&a.achievement_id) {
            problems.push(format!(
                "the achievement id {:?} is not an absolute urn:, did:, https: or http: URI",
                a.achievement_id
            ));
        }
        if let Some(url) = &a.issuer_url {
            if !(is_identifier(url) && (url.starts_with("https:") || url.starts_with("http:"))) {
                problems.push(format!(
                    "the issuer's web address {url:?} is not an http(s) URL"
                ));
            }
        }
        if !is_achievement_type(&a.achievement_type) {
            problems.push(format!(
                "{:?} is not an Open Badges achievement type (or an ext: one)",
                a.achievement_type
            ));
        }
        if !is_utc_date_time(&a.awarded_at) {
            problems.push(format!(
                "the award time {:?} is not an RFC 3339 UTC date and time (like 2025-07-01T09:00:00Z)",
                a.awarded_at
            ));
        }
        for (what, text) in [
            ("issuer name", &a.issuer_name),
            ("learner name", &a.learner_name),
            ("achievement name", &a.achievement_name),
            ("achievement description", &a.achievement_description),
            ("criteria", &a.criteria_narrative),
            ("credential name", &self.title),
        ] {
            if text.trim().is_empty() {
                problems.push(format!("the {what} is empty"));
            }
        }
        for (n, evidence) in a.evidence.iter().enumerate() {
            if evidence.name.trim().is_empty() {
                problems.push(format!("evidence {} has no name", n + 1));
            }
            if let Some(id) = &evidence.id {
                if !is_identifier(id) {
                    problems.push(format!(
                        "evidence {} has the id {id:?}, which is not an absolute urn:, did:, https: or http: URI",
                        n + 1
                    ));
                }
            }
        }
        // One node per identifier keeps each statement's subject unambiguous, and
        // ASCII identifiers keep sorting identical in every implementation.
        let mut seen = BTreeSet::new();
        let ids = [&a.id, &a.learner_id, &a.achievement_id, &self.issuer_did]
            .into_iter()
            .chain(a.evidence.iter().filter_map(|e| e.id.as_ref()));
        for id in ids {
            if !seen.insert(id) {
                problems.push(format!("the id {id:?} is used for two different things"));
            }
        }
        if problems.is_empty() {
            None
        } else {
            Some(problems.join("; "))
        }
    }

    /// The unsigned credential. Keys are inserted in sorted order, so the text
    /// is the same whether or not serde_json keeps insertion order.
    pub(crate) fn to_json(&self) -> Value {
        let a = &self.award;
        let evidence: Vec<Value> = a
            .evidence
            .iter()
            .map(|e| {
                object([
                    ("id", e.id.clone().map(Value::String)),
                    ("type", Some(types(&["Evidence"]))),
                    ("name", Some(text(&e.name))),
                    ("narrative", Some(text(&e.narrative))),
                ])
            })
            .collect();
        object([
            (
                "@context",
                Some(Value::Array(vec![
                    text(CREDENTIALS_V2),
                    text(OB_V3_CONTEXT),
                ])),
            ),
            ("id", Some(text(&a.id))),
            (
                "type",
                Some(types(&["VerifiableCredential", "OpenBadgeCredential"])),
            ),
            ("name", Some(text(&self.title))),
            (
                "issuer",
                Some(object([
                    ("id", Some(text(&self.issuer_did))),
                    ("type", Some(types(&["Profile"]))),
                    ("name", Some(text(&a.issuer_name))),
                    ("url", a.issuer_url.clone().map(Value::String)),
                ])),
            ),
            ("validFrom", Some(text(&a.awarded_at))),
            (
                "credentialSubject",
                Some(object([
                    ("id", Some(text(&a.learner_id))),
                    ("type", Some(types(&["AchievementSubject"]))),
                    ("name", Some(text(&a.learner_name))),
                    (
                        "achievement",
                        Some(object([
                            ("id", Some(text(&a.achievement_id))),
                            ("type", Some(types(&["Achievement"]))),
                            ("achievementType", Some(text(&a.achievement_type))),
                            ("name", Some(text(&a.achievement_name))),
                            ("description", Some(text(&a.achievement_description))),
                            (
                                "criteria",
                                Some(object([("narrative", Some(text(&a.criteria_narrative)))])),
                            ),
                        ])),
                    ),
                ])),
            ),
            (
                "evidence",
                (!evidence.is_empty()).then_some(Value::Array(evidence)),
            ),
        ])
    }

    /// The RDF statements a JSON-LD processor derives from [`Content::to_json`]
    /// with the two bundled contexts.
    pub(crate) fn to_quads(&self) -> Vec<Quad> {
        let a = &self.award;
        let credential = Term::iri(&a.id);
        let issuer = Term::iri(&self.issuer_did);
        let learner = Term::iri(&a.learner_id);
        let achievement = Term::iri(&a.achievement_id);
        let criteria = Term::blank("criteria");

        let mut quads = vec![
            Quad::new(
                credential.clone(),
                RDF_TYPE,
                Term::iri(VC_VERIFIABLE_CREDENTIAL),
            ),
            Quad::new(
                credential.clone(),
                RDF_TYPE,
                Term::iri(OB_OPEN_BADGE_CREDENTIAL),
            ),
            Quad::new(credential.clone(), SCHEMA_NAME, Term::string(&self.title)),
            Quad::new(credential.clone(), VC_ISSUER, issuer.clone()),
            Quad::new(
                credential.clone(),
                VC_VALID_FROM,
                Term::typed(&a.awarded_at, XSD_DATE_TIME),
            ),
            Quad::new(credential.clone(), VC_CREDENTIAL_SUBJECT, learner.clone()),
            Quad::new(issuer.clone(), RDF_TYPE, Term::iri(OB_PROFILE)),
            Quad::new(issuer.clone(), SCHEMA_NAME, Term::string(&a.issuer_name)),
            Quad::new(learner.clone(), RDF_TYPE, Term::iri(OB_ACHIEVEMENT_SUBJECT)),
            Quad::new(learner.clone(), SCHEMA_NAME, Term::string(&a.learner_name)),
            Quad::new(learner, OB_ACHIEVEMENT, achievement.clone()),
            Quad::new(
                achievement.clone(),
                RDF_TYPE,
                Term::iri(OB_ACHIEVEMENT_CLASS),
            ),
            Quad::new(
                achievement.clone(),
                OB_ACHIEVEMENT_TYPE,
                Term::string(&a.achievement_type),
            ),
            Quad::new(
                achievement.clone(),
                SCHEMA_NAME,
                Term::string(&a.achievement_name),
            ),
            Quad::new(
                achievement.clone(),
                SCHEMA_DESCRIPTION,
                Term::string(&a.achievement_description),
            ),
            Quad::new(achievement, OB_CRITERIA, criteria.clone()),
            Quad::new(criteria, OB_NARRATIVE, Term::string(&a.criteria_narrative)),
        ];
        if let Some(url) = &a.issuer_url {
            quads.push(Quad::new(issuer, SCHEMA_URL, Term::typed(url, OB_ANY_URI)));
        }
        for (n, evidence) in a.evidence.iter().enumerate() {
            let node = match &evidence.id {
                Some(id) => Term::iri(id),
                None => Term::blank(format!("evidence{n}")),
            };
            quads.extend([
                Quad::new(credential.clone(), VC_EVIDENCE, node.clone()),
                Quad::new(node.clone(), RDF_TYPE, Term::iri(OB_EVIDENCE)),
                Quad::new(node.clone(), SCHEMA_NAME, Term::string(&evidence.name)),
                Quad::new(node, OB_NARRATIVE, Term::string(&evidence.narrative)),
            ]);
        }
        quads
    }

    /// Reads the values out of an unsigned credential. This does not check
    /// the shape; compare [`Content::to_json`] of the result with the input.
    pub(crate) fn from_json(credential: &Map<String, Value>) -> Result<Content, String> {
        let issuer = credential
            .get("issuer")
            .ok_or_else(|| "it has no issuer".to_owned())?;
        let issuer = issuer
            .as_object()
            .ok_or_else(|| "its issuer is not a profile with a did:key identifier".to_owned())?;
        let subject = member_object(credential, "credentialSubject")?;
        let achievement = member_object(subject, "achievement")?;
        let criteria = member_object(achievement, "criteria")?;
        let evidence = match credential.get("evidence") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    let item = item
                        .as_object()
                        .ok_or_else(|| "an evidence entry is not an object".to_owned())?;
                    Ok(Evidence {
                        id: optional_string(item, "id")?,
                        name: string(item, "name")?,
                        narrative: string(item, "narrative")?,
                    })
                })
                .collect::<Result<_, String>>()?,
            Some(_) => return Err("its evidence is not a list".to_owned()),
        };
        Ok(Content {
            award: Award {
                id: string(credential, "id")?,
                issuer_name: string(issuer, "name")?,
                issuer_url: optional_string(issuer, "url")?,
                learner_id: string(subject, "id")?,
                learner_name: string(subject, "name")?,
                achievement_id: string(achievement, "id")?,
                achievement_type: string(achievement, "achievementType")?,
                achievement_name: string(achievement, "name")?,
                achievement_description: string(achievement, "description")?,
                criteria_narrative: string(criteria, "narrative")?,
                awarded_at: string(credential, "validFrom")?,
                evidence,
            },
            issuer_did: string(issuer, "id")?,
            title: string(credential, "name")?,
        })
    }
}

/// The proof options, signed along with the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProofOptions {
    pub(crate) created: String,
    pub(crate) verification_method: String,
}

impl ProofOptions {
    pub(crate) fn to_json(&self, proof_value: &str) -> Value {
        object([
            ("type", Some(text("DataIntegrityProof"))),
            ("created", Some(text(&self.created))),
            ("verificationMethod", Some(text(&self.verification_method))),
            ("cryptosuite", Some(text(CRYPTOSUITE))),
            ("proofPurpose", Some(text("assertionMethod"))),
            ("proofValue", Some(text(proof_value))),
        ])
    }

    /// The statements of the proof configuration: the proof without
    /// `proofValue`, read with the credential's `@context` (the cryptosuite's "proof
    /// configuration" step).
    pub(crate) fn to_quads(&self) -> Vec<Quad> {
        let proof = Term::blank("proof");
        vec![
            Quad::new(proof.clone(), RDF_TYPE, Term::iri(DATA_INTEGRITY_PROOF)),
            Quad::new(
                proof.clone(),
                DC_CREATED,
                Term::typed(&self.created, XSD_DATE_TIME),
            ),
            Quad::new(
                proof.clone(),
                SEC_CRYPTOSUITE,
                Term::typed(CRYPTOSUITE, SEC_CRYPTOSUITE_STRING),
            ),
            Quad::new(
                proof.clone(),
                SEC_PROOF_PURPOSE,
                Term::iri(SEC_ASSERTION_METHOD),
            ),
            Quad::new(
                proof,
                SEC_VERIFICATION_METHOD,
                Term::iri(&self.verification_method),
            ),
        ]
    }

    /// Reads a proof object; returns the options and the `proofValue`. Like
    /// [`Content::from_json`], the caller compares the result's JSON with the input.
    pub(crate) fn from_json(proof: &Map<String, Value>) -> Result<(ProofOptions, String), String> {
        Ok((
            ProofOptions {
                created: string(proof, "created")?,
                verification_method: string(proof, "verificationMethod")?,
            },
            string(proof, "proofValue")?,
        ))
    }
}

fn object<const N: usize>(entries: [(&str, Option<Value>); N]) -> Value {
    let sorted: BTreeMap<&str, Value> = entries
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| (key, value)))
        .collect();
    Value::Object(
        sorted
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

fn types(names: &[&str]) -> Value {
    Value::Array(names.iter().map(|name| text(name)).collect())
}

fn member_object<'a>(
    parent: &'a Map<String, Value>,
    key: &str,
) -> Result<&'a Map<String, Value>, String> {
    parent
        .get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| format!("it has no {key} object"))
}

fn string(parent: &Map<String, Value>, key: &str) -> Result<String, String> {
    optional_string(parent, key)?.ok_or_else(|| format!("it has no {key}"))
}

fn optional_string(parent: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match parent.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("its {key} is not text")),
    }
}

fn is_urn_uuid(id: &str) -> bool {
    let Some(uuid) = id.strip_prefix("urn:uuid:") else {
        return false;
    };
    uuid.len() == 36
        && uuid.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// An absolute URI in one of [`ID_SCHEMES`], in plain ASCII with nothing that
/// N-Quads would have to escape.
pub(crate) fn is_identifier(id: &str) -> bool {
    let Some((scheme, rest)) = id.split_once(':') else {
        return false;
    };
    ID_SCHEMES.contains(&scheme)
        && !rest.is_empty()
        && rest.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\'
                )
        })
}

fn is_achievement_type(value: &str) -> bool {
    if ACHIEVEMENT_TYPES.contains(&value) {
        return true;
    }
    value.strip_prefix("ext:").is_some_and(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` naming a real instant: valid for
/// RFC 3339, xsd:dateTimeStamp and the JSON Schema `date-time` format alike.
pub(crate) fn is_utc_date_time(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter()
            .try_fold(0u32, |n, d| Some(n * 10 + u32::from(d - b'0')))
    };
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !punctuation.iter().all(|&(i, c)| b.get(i) == Some(&c)) {
        return false;
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    let fraction_ok = match b.get(19..) {
        Some([b'Z']) => true,
        Some([b'.', rest @ .., b'Z']) => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    fraction_ok
        && year >= 1
        && (1..=days_in_month).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(file: &str) -> Value {
        let text = match file {
            "credentials" => include_str!("../contexts/credentials-v2.jsonld"),
            _ => include_str!("../contexts/ob-v3p0-context-3.0.3.json"),
        };
        serde_json::from_str(text).unwrap()
    }

    /// The `@id` (and `@type`) a bundled context gives a term, following a path
    /// of type-scoped contexts, as a JSON-LD processor would.
    fn term(file: &str, path: &[&str]) -> (String, Option<String>) {
        let root = context(file);
        let (last, scopes) = path.split_last().unwrap();
        let mut node = &root["@context"];
        for scope in scopes {
            node = &node[*scope]["@context"];
        }
        let definition = &node[*last];
        match definition {
            Value::String(id) => (id.clone(), None),
            Value::Object(d) => (
                d["@id"].as_str().unwrap().to_owned(),
                d.get("@type").map(|t| t.as_str().unwrap().to_owned()),
            ),
            other => panic!("{path:?} is not defined: {other}"),
        }
    }

    #[test]
    fn every_iri_comes_from_the_bundled_contexts() {
        let cred = |path: &[&str]| term("credentials", path);
        let ob = |path: &[&str]| term("ob", path);
        let vc = "VerifiableCredential";
        let proof = "DataIntegrityProof";

        assert_eq!(cred(&[vc]).0, VC_VERIFIABLE_CREDENTIAL);
        assert_eq!(
            cred(&[vc, "credentialSubject"]),
            (VC_CREDENTIAL_SUBJECT.into(), Some("@id".into()))
        );
        assert_eq!(
            cred(&[vc, "evidence"]),
            (VC_EVIDENCE.into(), Some("@id".into()))
        );
        assert_eq!(
            cred(&[vc, "issuer"]),
            (VC_ISSUER.into(), Some("@id".into()))
        );
        assert_eq!(
            cred(&[vc, "validFrom"]),
            (VC_VALID_FROM.into(), Some(XSD_DATE_TIME.into()))
        );
        assert_eq!(cred(&[vc, "name"]).0, SCHEMA_NAME);
        assert_eq!(cred(&["name"]).0, SCHEMA_NAME);
        assert_eq!(cred(&["description"]).0, SCHEMA_DESCRIPTION);
        assert_eq!(ob(&["name"]).0, SCHEMA_NAME);
        assert_eq!(ob(&["description"]).0, SCHEMA_DESCRIPTION);

        assert_eq!(ob(&["OpenBadgeCredential"]).0, OB_OPEN_BADGE_CREDENTIAL);
        assert_eq!(ob(&["Profile"]).0, OB_PROFILE);
        assert_eq!(ob(&["url"]), (SCHEMA_URL.into(), Some(OB_ANY_URI.into())));
        assert_eq!(ob(&["AchievementSubject"]).0, OB_ACHIEVEMENT_SUBJECT);
        assert_eq!(
            ob(&["AchievementSubject", "achievement"]),
            (OB_ACHIEVEMENT.into(), None)
        );
        assert_eq!(ob(&["Achievement"]).0, OB_ACHIEVEMENT_CLASS);
        assert_eq!(
            ob(&["Achievement", "achievementType"]),
            (OB_ACHIEVEMENT_TYPE.into(), None)
        );
        assert_eq!(
            ob(&["Achievement", "criteria"]),
            (OB_CRITERIA.into(), Some("@id".into()))
        );
        assert_eq!(ob(&["narrative"]), (OB_NARRATIVE.into(), None));
        assert_eq!(ob(&["Evidence"]).0, OB_EVIDENCE);

        assert_eq!(cred(&[proof]).0, DATA_INTEGRITY_PROOF);
        assert_eq!(
            cred(&[proof, "created"]),
            (DC_CREATED.into(), Some(XSD_DATE_TIME.into()))
        );
        assert_eq!(
            cred(&[proof, "cryptosuite"]),
            (SEC_CRYPTOSUITE.into(), Some(SEC_CRYPTOSUITE_STRING.into()))
        );
        assert_eq!(
            cred(&[proof, "proofPurpose"]),
            (SEC_PROOF_PURPOSE.into(), Some("@vocab".into()))
        );
        assert_eq!(
            cred(&[proof, "proofPurpose", "assertionMethod"]).0,
            SEC_ASSERTION_METHOD
        );
        assert_eq!(
            cred(&[proof, "verificationMethod"]),
            (SEC_VERIFICATION_METHOD.into(), Some("@id".into()))
        );
    }

    /// Terms the mapping relies on are not redefined by a type-scoped context
    /// the shape enters (which would change their IRI inside that node).
    #[test]
    fn scoped_contexts_do_not_redefine_the_shared_terms() {
        let ob = context("ob");
        for scope in ["Profile", "AchievementSubject", "Achievement", "Evidence"] {
            let scoped = ob["@context"][scope]["@context"].as_object().unwrap();
            for shared in ["name", "description", "narrative", "url"] {
                assert!(!scoped.contains_key(shared), "{scope} redefines {shared}");
            }
        }
        let cred = context("credentials");
        let vc = cred["@context"]["VerifiableCredential"]["@context"]
            .as_object()
            .unwrap();
        assert!(!vc.contains_key("url") && !vc.contains_key("narrative"));
    }

    #[test]
    fn identifier_schemes_are_not_context_terms() {
        fn keys(value: &Value, out: &mut BTreeSet<String>) {
            if let Value::Object(map) = value {
                for (key, inner) in map {
                    out.insert(key.clone());
                    keys(inner, out);
                }
            }
        }
        let mut terms = BTreeSet::new();
        keys(&context("credentials"), &mut terms);
        keys(&context("ob"), &mut terms);
        for scheme in ID_SCHEMES {
            assert!(!terms.contains(scheme), "{scheme} is a context term");
        }
    }

    #[test]
    fn reading_back_gives_the_same_content() {
        let content = Content::new(&crate::tests::small_award(), "did:key:z6Mkexample".into());
        let Value::Object(json) = content.to_json() else {
            panic!("not an object")
        };
        assert_eq!(Content::from_json(&json).unwrap(), content);
    }

    #[test]
    fn date_times() {
        for good in [
            "2025-07-01T09:00:00Z",
            "2024-02-29T23:59:59.123Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(is_utc_date_time(good), "{good}");
        }
        for bad in [
            "2025-07-01",
            "2025-07-01T09:00:00",
            "2025-07-01T09:00:00+01:00",
            "2025-07-01t09:00:00z",
            "2025-02-29T09:00:00Z",
            "2025-13-01T09:00:00Z",
            "2025-07-01T24:00:00Z",
            "2025-07-01T09:00:60Z",
            "2025-07-01T09:00:00.Z",
            "0000-01-01T00:00:00Z",
            "2025-07-01T09:00:00Z ",
            "２025-07-01T09:00:00Z",
        ] {
            assert!(!is_utc_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_urn_uuid("urn:uuid:6d3f0e0a-2f5b-4a8e-9a55-0a1b2c3d4e5f"));
        assert!(!is_urn_uuid("urn:uuid:6d3f0e0a2f5b4a8e9a550a1b2c3d4e5f"));
        assert!(!is_urn_uuid("6d3f0e0a-2f5b-4a8e-9a55-0a1b2c3d4e5f"));
        assert!(is_identifier("https://school.example/badges/1?x=y#z"));
        assert!(is_identifier("urn:village:achievement:7"));
        assert!(!is_identifier("mailto:someone@school.example"));
        assert!(!is_identifier("https://school.example/a b"));
        assert!(!is_identifier("https://school.example/é"));
        assert!(!is_identifier("_:b0"));
        assert!(!is_identifier("/relative"));
        assert!(!is_identifier("urn:"));
    }

    #[test]
    fn achievement_types() {
        assert!(is_achievement_type("Competency"));
        assert!(is_achievement_type("ext:PeerTutor"));
        assert!(!is_achievement_type("competency"));
        assert!(!is_achievement_type("ext:"));
        assert!(!is_achievement_type("ext:Peer Tutor"));
    }
}
