// A wrong password says so in plain words and keeps what the user typed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkAccessibility, JOURNEY_TIMEOUT_MS, normalise, openVillage, signIn } from './support.mjs';

let village;
before(async () => {
  village = await openVillage();
});
after(async () => {
  await village?.close();
});

test('sign-in with a wrong password explains and keeps the username', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    await signIn(page, 'teacher', 'not-the-password');
    const body = normalise(await page.locator('body').innerText());
    assert.match(
      body,
      /didn['\u2019]t match/,
      `the page after a wrong password should say the details "didn't match"; it says: ${body.slice(0, 500)}`,
    );
    const username = await page.locator('input[name="username"]').inputValue();
    assert.equal(username, 'teacher', 'the username the user typed should still be in the form');
    const path = new URL(page.url()).pathname;
    assert.notEqual(path, '/', 'a wrong password must not sign the user in');
    await checkAccessibility(page);
  });
});
