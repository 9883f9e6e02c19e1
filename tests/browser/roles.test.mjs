// Every role signs in with the demo password and lands on its own home page.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkAccessibility, h1Text, h2Texts, JOURNEY_TIMEOUT_MS, openVillage, signIn, signOut } from './support.mjs';

const HOMES = [
  ['pupil', 'My people'],
  ['parent', 'My children'],
  ['tutor', 'My tutor group'],
  ['mentor', 'My mentees'],
  ['teacher', 'My groups'],
  ['assistant', 'Learners I support'],
  ['volunteer', 'My learners'],
  ['leader', 'My school'],
];

describe('each role signs in and sees its home', () => {
  let village;
  before(async () => {
    village = await openVillage();
  });
  after(async () => {
    await village?.close();
  });

  for (const [username, heading] of HOMES) {
    test(`${username} sees "${heading}"`, { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      await village.withPage(async (page) => {
        await signIn(page, username);
        const path = new URL(page.url()).pathname;
        assert.equal(path, '/', `after signing in as ${username} the browser should be on /, not ${page.url()}`);
        const h1 = await h1Text(page);
        assert.match(h1, /Hello/, `the h1 should greet ${username} with "Hello", but it is "${h1}"`);
        const h2s = await h2Texts(page);
        assert.ok(
          h2s.includes(heading),
          `${username}'s home should have an h2 "${heading}"; its h2s are ${JSON.stringify(h2s)}`,
        );
        await checkAccessibility(page);
        await signOut(page);
        await checkAccessibility(page);
      });
    });
  }
});
