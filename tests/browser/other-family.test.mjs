// A parent cannot open another family's child: the answer is the same as for a
// learner who does not exist, so an ID reveals nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkAccessibility, h1Text, JOURNEY_TIMEOUT_MS, openVillage, sectionContents, signIn, signOut } from './support.mjs';

let village;
before(async () => {
  village = await openVillage();
});
after(async () => {
  await village?.close();
});

async function visit(page, url) {
  const res = await page.goto(url);
  assert.ok(res, `no response for ${url}`);
  return { status: res.status(), h1: await h1Text(page), title: await page.title() };
}

test('a parent cannot open another family\'s child', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    // parent2 opens their own child's page.
    await signIn(page, 'parent2');
    assert.equal(new URL(page.url()).pathname, '/', `signed in, parent2 should be on /, not ${page.url()}`);
    await checkAccessibility(page);
    const section = await sectionContents(page, 'My children');
    assert.ok(section.found, `parent2's home has no h2 "My children"; its h2s are ${JSON.stringify(section.h2s)}`);
    const href = section.links.find((h) => h.startsWith('/learners/'));
    assert.ok(
      href,
      `"My children" should link to a child's page (a[href^="/learners/"]); its links are ${JSON.stringify(section.links)}`,
    );
    const opened = page.waitForResponse(
      (r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame(),
    );
    await page.locator(`a[href="${href}"]`).first().click();
    const own = await opened;
    await page.waitForLoadState('load');
    assert.equal(own.status(), 200, `parent2 opening their own child ${href} should get 200, got ${own.status()}`);
    await checkAccessibility(page);
    const childURL = new URL(page.url()).pathname;
    await signOut(page);

    // parent (another family) tries the same address.
    await signIn(page, 'parent');
    assert.equal(new URL(page.url()).pathname, '/', `signed in, parent should be on /, not ${page.url()}`);
    const theirs = await visit(page, childURL);
    assert.deepEqual(
      { status: theirs.status, h1: theirs.h1 },
      { status: 404, h1: 'Page not found' },
      `parent opening another family's child ${childURL} should get 404 "Page not found"; got ${theirs.status} "${theirs.h1}"`,
    );
    await checkAccessibility(page);

    // A learner who does not exist answers exactly the same.
    const missing = await visit(page, '/learners/999999999');
    assert.deepEqual(
      { status: missing.status, h1: missing.h1 },
      { status: 404, h1: 'Page not found' },
      `a missing learner /learners/999999999 should get 404 "Page not found"; got ${missing.status} "${missing.h1}"`,
    );
    assert.deepEqual(
      theirs,
      missing,
      'another family\'s child must answer exactly as a missing learner does (status, h1, title)',
    );
    await checkAccessibility(page);
  });
});
