// Peer Learner Programme: a Year 10 reading partner and their Year 7 tutee are matched;
// they log a session, and the tutor's record of achievement shows the completed tutoring.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkAccessibility, JOURNEY_TIMEOUT_MS, openVillage, sectionContents, signIn, signOut } from './support.mjs';

let village;
before(async () => {
  village = await openVillage();
});
after(async () => {
  await village?.close();
});

test('a Year 10 tutor and a Year 7 tutee log a session and the tutor earns an achievement', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    // The leader sees the programme and its pairs.
    await signIn(page, 'leader');
    const school = await sectionContents(page, 'My school');
    await page.goto(school.links.find((h) => /^\/schools\/\d+$/.test(h)));
    await page.click('a:has-text("Peer learning")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /Reading partners: Year 10 with Year 7/);
    await checkAccessibility(page);
    await signOut(page);

    // The tutee logs how the session went.
    await signIn(page, 'tutee');
    assert.match(await page.locator('main').innerText(), /helps you with English/);
    await page.locator('input[name="feedback"]').first().fill('We read a chapter and I asked questions');
    await page.click('button:has-text("Log today\'s session")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /Session logged/);
    await checkAccessibility(page);
    await signOut(page);

    // The tutor logs their side: the sixth session completes the programme.
    await signIn(page, 'peertutor');
    assert.match(await page.locator('main').innerText(), /You tutor/);
    await page.locator('input[name="feedback"]').first().fill('Good session, we finished the book');
    await page.click('button:has-text("Log today\'s session")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /record of achievement/);
    await page.click('a:has-text("See my record")');
    await page.waitForLoadState('load');
    const record = await page.locator('main').innerText();
    assert.match(record, /Record of achievement/);
    assert.match(record, /Peer tutor: Reading partners/);
    await checkAccessibility(page);
    await signOut(page);
  });
});
