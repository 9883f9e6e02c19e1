//! The issuer's Ed25519 key and its `did:key` identifier.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::Error;

/// Multicodec varint for an Ed25519 public key (0xed), as did:key requires.
const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];

const DID_KEY_PREFIX: &str = "did:key:";

/// A school's signing key. The secret never appears in `Debug` output.
#[derive(Clone)]
pub struct IssuerKey {
    signing: SigningKey,
}

impl IssuerKey {
    /// The key whose Ed25519 secret (seed) is `secret`.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        IssuerKey {
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// A new key from a cryptographically secure random source.
    pub fn generate<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Self {
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        let key = IssuerKey::from_secret(&secret);
        secret.fill(0);
        key
    }

    /// The 32-byte secret, for the caller to store (encrypted) and reload with
    /// [`IssuerKey::from_secret`].
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// `did:key:z6Mk…`
    pub fn did(&self) -> String {
        format!("{DID_KEY_PREFIX}{}", self.multibase())
    }

    /// `did:key:z6Mk…#z6Mk…`, the key's only verification method.
    pub fn verification_method(&self) -> String {
        format!("{}#{}", self.did(), self.multibase())
    }

    fn multibase(&self) -> String {
        public_key_multibase(&self.signing.verifying_key())
    }

    pub(crate) fn sign(&self, data: &[u8]) -> Signature {
        self.signing.sign(data)
    }
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("did", &self.did())
            .finish_non_exhaustive()
    }
}

/// Multibase base58btc: the `z` prefix, then Bitcoin-alphabet base58.
pub(crate) fn multibase_encode(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

pub(crate) fn multibase_decode(text: &str) -> Option<Vec<u8>> {
    let base58 = text.strip_prefix('z')?;
    bs58::decode(base58).into_vec().ok()
}

fn public_key_multibase(key: &VerifyingKey) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB_MULTICODEC);
    bytes.extend_from_slice(key.as_bytes());
    multibase_encode(&bytes)
}

/// The public key a `did:key` Ed25519 identifier stands for. Only the plain
/// DID is accepted (no path, query or fragment), and only in the one spelling
/// that re-encodes to itself, so two spellings cannot name one key.
pub(crate) fn resolve_did_key(did: &str) -> Result<VerifyingKey, Error> {
    let unsupported = |why: &str| Error::UnsupportedIssuer(format!("{did:?} {why}"));
    let multibase = did
        .strip_prefix(DID_KEY_PREFIX)
        .ok_or_else(|| unsupported("is not a did:key identifier"))?;
    if !multibase.starts_with("z6Mk") {
        return Err(unsupported("is not an Ed25519 did:key (z6Mk…)"));
    }
    let bytes = multibase_decode(multibase)
        .ok_or_else(|| unsupported("is not valid base58btc multibase"))?;
    let key_bytes: [u8; 32] = bytes
        .strip_prefix(&ED25519_PUB_MULTICODEC)
        .and_then(|rest| rest.try_into().ok())
        .ok_or_else(|| unsupported("does not hold a 32-byte Ed25519 public key"))?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| unsupported("does not hold a valid Ed25519 public key"))?;
    if public_key_multibase(&key) != multibase {
        return Err(unsupported("is not in canonical form"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_hex(hex: &str) -> [u8; 32] {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }

    /// RFC 8032 §7.1 TEST 1 and TEST 2 secrets. The expected identifiers are
    /// the ones @digitalbazaar/ed25519-multikey derives from the same seeds and
    /// that other did:key libraries publish for these test keys.
    #[test]
    fn did_key_of_rfc8032_test_keys() {
        let one = IssuerKey::from_secret(&from_hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ));
        assert_eq!(
            one.did(),
            "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"
        );
        assert_eq!(
            one.verification_method(),
            "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw\
             #z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"
        );
        let two = IssuerKey::from_secret(&from_hex(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        ));
        assert_eq!(
            two.did(),
            "did:key:z6MkiaMbhXHNA4eJVCCj8dbzKzTgYDKf6crKgHVHid1F1WCT"
        );
    }

    #[test]
    fn did_key_resolves_to_the_public_key() {
        let key = IssuerKey::from_secret(&[7; 32]);
        let resolved = resolve_did_key(&key.did()).unwrap();
        assert_eq!(resolved, key.signing.verifying_key());
    }

    #[test]
    fn other_identifiers_do_not_resolve() {
        let did = IssuerKey::from_secret(&[7; 32]).did();
        for other in [
            "did:web:school.example".to_owned(),
            "https://school.example/issuer".to_owned(),
            // an X25519 did:key
            "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc".to_owned(),
            format!("{did}#{}", &did[8..]),
            did.replace("did:key:z", "did:key:Z"),
            did[..did.len() - 1].to_owned(),
        ] {
            assert!(
                matches!(resolve_did_key(&other), Err(Error::UnsupportedIssuer(_))),
                "{other}"
            );
        }
    }

    /// Vectors from the multibase specification's test suite, and leading
    /// zero bytes, which base58 writes as leading `1`s.
    #[test]
    fn multibase_base58btc() {
        assert_eq!(multibase_encode(b"yes mani !"), "z7paNL19xttacUY");
        assert_eq!(multibase_encode(&[0, 0, 1, 2]), "z115T");
        assert_eq!(multibase_decode("z115T").unwrap(), vec![0, 0, 1, 2]);
        assert_eq!(multibase_decode("7paNL19xttacUY"), None);
        assert_eq!(multibase_decode("z0OIl"), None);
    }

    #[test]
    fn secret_round_trips_and_stays_out_of_debug() {
        let key = IssuerKey::generate(&mut rand::rngs::OsRng);
        let again = IssuerKey::from_secret(&key.secret_bytes());
        assert_eq!(key.did(), again.did());
        let debug = format!("{key:?}");
        assert!(debug.contains(&key.did()));
        assert!(!debug.contains("signing"));
    }
}
