// The credential Village's Rust issuer writes (the committed fixture, which
// crates/village-credentials/tests/fixture.rs keeps identical to its output)
// checked by independent libraries. Needs no server and no network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { documentLoader, validateSchema, verifyCredential } from './credentials.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const crate = path.resolve(here, '../../crates/village-credentials');
const readFixture = (file) =>
  JSON.parse(readFileSync(path.join(crate, 'tests/fixtures', file), 'utf8'));
const fixture = readFixture('achievement.json');
// Control characters, quotes, emoji and private-use text, the same evidence
// listed twice (tied blank nodes), an ext: achievement type, no issuer URL.
const awkward = readFixture('awkward-text.json');

function changed(edit) {
  const copy = structuredClone(fixture);
  edit(copy);
  return copy;
}

test('the credential Village issues verifies', async () => {
  const result = await verifyCredential(fixture);
  assert.deepEqual(result, { verified: true });
});

test('a credential with awkward text and repeated evidence verifies', async () => {
  const result = await verifyCredential(awkward);
  assert.deepEqual(result, { verified: true });
  assert.deepEqual(validateSchema(awkward).errors, []);
});

// The Rust crate writes its canonical N-Quads for small.json beside it; a
// JSON-LD processor must derive exactly the same statements from the JSON.
test('a JSON-LD processor derives the statements Village signed', async () => {
  const small = readFixture('small.json');
  const expected = (file) => readFileSync(path.join(crate, 'tests/fixtures', file), 'utf8');
  const { proof, ...document } = small;
  const { proofValue, ...options } = proof;
  const canonize = (input) => eddsaRdfc2022.canonize(input, { documentLoader });
  assert.equal(await canonize(document), expected('small.nq'));
  assert.equal(
    await canonize({ '@context': document['@context'], ...options }),
    expected('small-proof.nq'),
  );
  assert.ok(proofValue.startsWith('z'));
  assert.deepEqual(await verifyCredential(small), { verified: true });
});

test('a changed achievement name is rejected', async () => {
  const result = await verifyCredential(
    changed((c) => {
      c.credentialSubject.achievement.name = 'Peer Tutor: Mathematics';
    }),
  );
  assert.equal(result.verified, false);
  assert.match(result.error, /signature/i);
});

test('a changed learner name is rejected', async () => {
  const result = await verifyCredential(
    changed((c) => {
      c.credentialSubject.name = 'Someone Else';
    }),
  );
  assert.equal(result.verified, false);
  assert.match(result.error, /signature/i);
});

test('a changed proofValue is rejected', async () => {
  const result = await verifyCredential(
    changed((c) => {
      const value = c.proof.proofValue;
      const swap = value[20] === 'A' ? 'B' : 'A';
      c.proof.proofValue = value.slice(0, 20) + swap + value.slice(21);
    }),
  );
  assert.equal(result.verified, false);
});

test('a credential claiming another issuer is rejected', async () => {
  const other = 'did:key:z6MkiaMbhXHNA4eJVCCj8dbzKzTgYDKf6crKgHVHid1F1WCT';
  const result = await verifyCredential(
    changed((c) => {
      c.issuer.id = other;
    }),
  );
  assert.equal(result.verified, false);
});

test('the credential matches the Open Badges 3.0 AchievementCredential schema', () => {
  const { valid, errors } = validateSchema(fixture);
  assert.deepEqual(errors, []);
  assert.equal(valid, true);
});

test('a proof given as a list also matches the schema', () => {
  const { valid, errors } = validateSchema(changed((c) => {
    c.proof = [c.proof];
  }));
  assert.deepEqual(errors, []);
  assert.equal(valid, true);
});

test('the schema check is not vacuous', () => {
  const { valid, errors } = validateSchema(
    changed((c) => {
      delete c.credentialSubject.achievement.criteria;
      c.validFrom = 'first of July';
    }),
  );
  assert.equal(valid, false);
  const paths = errors.map((e) => `${e.instancePath} ${e.message}`).join('\n');
  assert.match(paths, /criteria/);
  assert.match(paths, /\/validFrom/);
});

test('the contexts bundled in the crate are the ones this verifier loads', async () => {
  const bundled = (file) =>
    JSON.parse(readFileSync(path.join(crate, 'contexts', file), 'utf8'));
  const loaded = async (url) => (await documentLoader(url)).document;
  const [credentials, openBadges] = fixture['@context'];
  assert.deepEqual(bundled('credentials-v2.jsonld'), await loaded(credentials));
  assert.deepEqual(bundled('ob-v3p0-context-3.0.3.json'), await loaded(openBadges));
});

test('the verifier loads nothing from the network', async () => {
  await assert.rejects(documentLoader('https://example.org/context.json'), /not found/);
});
