//! Open Badges 3.0 achievement credentials for a learner's passport.
//!
//! [`issue`] turns an [`Award`] into an `OpenBadgeCredential`: a W3C Verifiable
//! Credential (data model 2.0) whose issuer is a school's `did:key` and whose
//! proof is a Data Integrity proof with the `eddsa-rdfc-2022` cryptosuite.
//! [`verify`] is the check a school makes when it imports a passport.
//!
//! Village issues one fixed shape of credential, so the RDF statements that
//! the cryptosuite canonicalizes are written out from the two JSON-LD contexts'
//! term definitions instead of running a general JSON-LD processor. The
//! verifier only accepts that shape; anything else is refused with a reason,
//! never reported as verified. Independent verifiers (the JSON-LD and Data
//! Integrity libraries used in `tests/browser/credentials.test.mjs`) accept
//! what this crate issues.
//!
//! There is no clock here: the award time comes from the caller, and signing
//! is deterministic, so the same key and award always give the same bytes.

mod canon;
mod credential;
mod key;

use ed25519_dalek::Signature;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use canon::canonicalize;
use credential::{Content, ProofOptions};
pub use key::IssuerKey;

/// An achievement awarded to a learner, as the school states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    /// The credential's id: `urn:uuid:…`.
    pub id: String,
    pub issuer_name: String,
    /// The school's web site, if it has one.
    pub issuer_url: Option<String>,
    /// `urn:uuid:…` standing for the learner; never an internal id or an email
    /// address, since the credential travels with the learner.
    pub learner_id: String,
    pub learner_name: String,
    /// A `urn:`, `https:` (or `http:`, `did:`) URI naming the achievement.
    pub achievement_id: String,
    /// An Open Badges 3.0 `achievementType` such as `Achievement`, `Award` or
    /// `Competency`, or an extension written `ext:Name`.
    pub achievement_type: String,
    pub achievement_name: String,
    pub achievement_description: String,
    pub criteria_narrative: String,
    /// RFC 3339 in UTC, such as `2025-07-01T09:00:00Z`. It becomes the
    /// credential's `validFrom` and the proof's `created`.
    pub awarded_at: String,
    pub evidence: Vec<Evidence>,
}

/// Evidence of the achievement. In a passport the files sit in the zip and
/// are referred to by `name`, so an `id` is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: Option<String>,
    pub name: String,
    pub narrative: String,
}

/// What a verified credential says, for the importing school to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub issuer_did: String,
    pub credential_id: String,
    pub achievement_name: String,
    pub learner_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("this award cannot be issued as a credential: {0}")]
    InvalidAward(String),
    #[error("this credential is not in the form Village issues, so it cannot be checked: {0}")]
    UnsupportedShape(String),
    #[error("this credential's issuer cannot be checked: {0}")]
    UnsupportedIssuer(String),
    #[error("this credential's proof is not one Village can check: {0}")]
    UnsupportedProof(String),
    #[error(
        "this credential's signature does not match its content: it was changed after it \
         was signed, or it was not signed by the issuer it names"
    )]
    BadSignature,
    #[error("this credential could not be put in canonical form: {0}")]
    Canonicalization(String),
}

/// Signs `award` as an Open Badges 3.0 credential from the holder of `key`.
pub fn issue(key: &IssuerKey, award: &Award) -> Result<Value, Error> {
    let content = Content::new(award, key.did());
    if let Some(problem) = content.problem() {
        return Err(Error::InvalidAward(problem));
    }
    let options = ProofOptions {
        created: award.awarded_at.clone(),
        verification_method: key.verification_method(),
    };
    let signature = key.sign(&signing_input(&content, &options)?);
    let proof_value = key::multibase_encode(&signature.to_bytes());

    let mut credential = content.to_json();
    if let Value::Object(map) = &mut credential {
        map.insert("proof".to_owned(), options.to_json(&proof_value));
    }
    Ok(credential)
}

/// Checks a credential from a passport: that it is in the form Village
/// issues, that its issuer is an Ed25519 `did:key`, and that the issuer's key
/// signed exactly this content.
pub fn verify(credential: &Value) -> Result<Verified, Error> {
    let shape = Error::UnsupportedShape;
    let mut unsigned = credential
        .as_object()
        .cloned()
        .ok_or_else(|| shape("it is not a JSON object".to_owned()))?;
    let proof = unsigned
        .remove("proof")
        .ok_or_else(|| Error::UnsupportedProof("there is no proof".to_owned()))?;
    let proof = single_proof(&proof)?;
    let (options, proof_value) = ProofOptions::from_json(proof)
        .map_err(|why| Error::UnsupportedProof(format!("{why} (reading the proof)")))?;
    if Value::Object(proof.clone()) != options.to_json(&proof_value) {
        return Err(Error::UnsupportedProof(format!(
            "only a DataIntegrityProof with the {} cryptosuite, for assertionMethod, is accepted",
            credential::CRYPTOSUITE
        )));
    }

    let content = Content::from_json(&unsigned).map_err(|why| match unsigned.get("issuer") {
        Some(Value::Object(_)) => shape(why),
        _ => Error::UnsupportedIssuer(why),
    })?;
    let public_key = key::resolve_did_key(&content.issuer_did)?;
    let expected_method = format!(
        "{}#{}",
        content.issuer_did,
        content.issuer_did.trim_start_matches("did:key:")
    );
    if options.verification_method != expected_method {
        return Err(Error::UnsupportedProof(format!(
            "it was made with {:?}, which is not the issuer's key {expected_method:?}",
            options.verification_method
        )));
    }
    if !credential::is_utc_date_time(&options.created) {
        return Err(Error::UnsupportedProof(format!(
            "its creation time {:?} is not an RFC 3339 UTC date and time",
            options.created
        )));
    }
    if let Some(problem) = content.problem() {
        return Err(shape(problem));
    }
    if Value::Object(unsigned) != content.to_json() {
        return Err(shape(
            "it has fields, types or contexts that Village does not write".to_owned(),
        ));
    }

    let signature: [u8; 64] = key::multibase_decode(&proof_value)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(Error::BadSignature)?;
    public_key
        .verify_strict(
            &signing_input(&content, &options)?,
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| Error::BadSignature)?;

    Ok(Verified {
        issuer_did: content.issuer_did,
        credential_id: content.award.id,
        achievement_name: content.award.achievement_name,
        learner_name: content.award.learner_name,
    })
}

fn single_proof(proof: &Value) -> Result<&Map<String, Value>, Error> {
    let proof = match proof {
        Value::Array(proofs) => match proofs.as_slice() {
            [one] => one,
            _ => {
                return Err(Error::UnsupportedProof(
                    "it has more or fewer than one proof".to_owned(),
                ))
            }
        },
        one => one,
    };
    proof
        .as_object()
        .ok_or_else(|| Error::UnsupportedProof("the proof is not an object".to_owned()))
}

/// The eddsa-rdfc-2022 "hashing" step: SHA-256 of the canonical proof
/// options, then SHA-256 of the canonical credential, in that order.
fn signing_input(content: &Content, options: &ProofOptions) -> Result<Vec<u8>, Error> {
    let proof_hash = Sha256::digest(canonicalize(&options.to_quads())?.as_bytes());
    let document_hash = Sha256::digest(canonicalize(&content.to_quads())?.as_bytes());
    Ok([proof_hash.as_slice(), document_hash.as_slice()].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// RFC 8032 §7.1 TEST 1 secret: a published test key.
    const TEST_SECRET: [u8; 32] = [
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c,
        0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae,
        0x7f, 0x60,
    ];

    /// Small, but with what canonicalization must get right: escapes, a blank
    /// node for the criteria, and evidence that ties (two identical entries
    /// without ids) beside one with an id.
    pub(crate) fn small_award() -> Award {
        let evidence = |id: Option<&str>| Evidence {
            id: id.map(str::to_owned),
            name: "x".into(),
            narrative: "y".into(),
        };
        Award {
            id: "urn:uuid:6d3f0e0a-2f5b-4a8e-9a55-0a1b2c3d4e5f".into(),
            issuer_name: "Example School".into(),
            issuer_url: Some("https://school.example/".into()),
            learner_id: "urn:uuid:11111111-2222-4333-8444-555555555555".into(),
            learner_name: "Ada \"A\" Lovelace\n".into(),
            achievement_id: "urn:uuid:aaaaaaaa-2222-4333-8444-555555555555".into(),
            achievement_type: "Competency".into(),
            achievement_name: "Peer tutor".into(),
            achievement_description: "d".into(),
            criteria_narrative: "c".into(),
            awarded_at: "2025-07-01T09:00:00Z".into(),
            evidence: vec![
                evidence(None),
                evidence(Some("urn:uuid:bbbbbbbb-2222-4333-8444-555555555555")),
                evidence(None),
            ],
        }
    }

    /// Compares with a committed file, or rewrites it under `UPDATE_FIXTURES`.
    fn matches_fixture(file: &str, text: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(file);
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, text).unwrap();
        }
        assert_eq!(
            text,
            std::fs::read_to_string(&path).unwrap(),
            "{file} differs; rerun with UPDATE_FIXTURES=1 if intended"
        );
    }

    /// `small.json` is this award issued; `small.nq` and `small-proof.nq` are
    /// the canonical N-Quads that were hashed. The browser tests check that
    /// jsonld.js with rdf-canonize derives the same N-Quads from `small.json`,
    /// so a difference in the mapping shows up line by line, not only as a
    /// failed signature.
    #[test]
    fn canonical_forms_of_a_small_credential() {
        let key = IssuerKey::from_secret(&TEST_SECRET);
        let award = small_award();
        let credential = issue(&key, &award).unwrap();
        let content = Content::new(&award, key.did());
        let options = ProofOptions {
            created: award.awarded_at.clone(),
            verification_method: key.verification_method(),
        };
        matches_fixture(
            "small.json",
            &(serde_json::to_string_pretty(&credential).unwrap() + "\n"),
        );
        matches_fixture("small.nq", &canonicalize(&content.to_quads()).unwrap());
        matches_fixture(
            "small-proof.nq",
            &canonicalize(&options.to_quads()).unwrap(),
        );
        verify(&credential).unwrap();
    }
}
