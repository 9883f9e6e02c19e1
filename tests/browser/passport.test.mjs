// Learning passport: the pupil downloads their passport; every achievement in it is a
// signed Open Badges 3.0 credential that an independent verifier accepts; the head of
// another school in the trust imports it into one of their pupils, after a preview.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { verifyCredential } from './credentials.mjs';
import {
  checkAccessibility,
  clickAndLoad,
  JOURNEY_TIMEOUT_MS,
  mainText,
  openVillage,
  sectionContents,
  signIn,
  signOut,
} from './support.mjs';
import { readZip } from './zip.mjs';

let village;
before(async () => {
  village = await openVillage();
});
after(async () => {
  await village?.close();
});

test('a pupil exports a passport and another school imports it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    await signIn(page, 'pupil');
    // An achievement from outside school, so the passport has a credential to sign.
    const award = `Grade 2 piano ${Date.now()}`;
    await clickAndLoad(page, page.locator('a:has-text("My record of achievement")'));
    await checkAccessibility(page);
    await page.selectOption('#a-kind', 'grade');
    await page.fill('#a-title', award);
    await page.fill('#a-desc', 'Passed with merit after a year of lessons.');
    await clickAndLoad(page, page.locator('button:has-text("Add")'));
    assert.match(await mainText(page), new RegExp(award));
    await page.goto('/');
    await clickAndLoad(page, page.locator('a:has-text("My learning plan")'));
    await clickAndLoad(page, page.locator('a:has-text("Learning passport")'));
    await checkAccessibility(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('a:has-text("Download the learning passport")').click(),
    ]);
    const file = await download.path();
    const zip = readZip(readFileSync(file));
    assert.ok(zip.has('index.html'), 'the passport has a readable summary');
    const passport = JSON.parse(zip.get('passport.json').toString('utf8'));
    assert.equal(passport.format, 'village-passport');
    assert.equal(passport.from_school.name, 'Riverside Academy');
    const credentials = [...zip.keys()].filter((n) => n.startsWith('credentials/'));
    assert.equal(credentials.length, passport.achievements.length);
    assert.ok(passport.achievements.some((a) => a.title === award), 'the new achievement is in the passport');
    assert.ok(credentials.length >= 1);
    for (const name of credentials) {
      const credential = JSON.parse(zip.get(name).toString('utf8'));
      const result = await verifyCredential(credential);
      assert.ok(result.verified, `${name} should verify: ${result.error}`);
      const tampered = structuredClone(credential);
      tampered.credentialSubject.achievement.name += ' (changed)';
      assert.equal((await verifyCredential(tampered)).verified, false, `a changed copy of ${name} must not verify`);
    }
    await signOut(page);

    await signIn(page, 'leader2');
    const school = await sectionContents(page, 'My school');
    await page.goto(school.links.find((h) => /^\/schools\/\d+$/.test(h)));
    await page.waitForLoadState('load');
    const learner = await page.locator('main a[href^="/learners/"]').first().getAttribute('href');
    await page.goto(`${learner}/passport`);
    await page.waitForLoadState('load');
    await checkAccessibility(page);
    await page.setInputFiles('#passport-file', file);
    await clickAndLoad(page, page.locator('button:has-text("Check it")'));
    await checkAccessibility(page);
    const preview = await mainText(page);
    assert.match(preview, /Check before importing/);
    assert.match(preview, /from Riverside Academy/);
    assert.match(preview, /signed achievements were verified/);
    const replace = page.locator('#replace');
    if (await replace.count()) await replace.check();
    await clickAndLoad(page, page.locator('button:has-text("Import it")'));
    assert.match(await mainText(page), /Imported from Riverside Academy: \d+ targets/);
    await checkAccessibility(page);
    await page.goto(`${learner}/plan`);
    await page.waitForLoadState('load');
    const targets = passport.plan.content.targets.map((t) => t.title);
    const plan = await mainText(page);
    assert.ok(targets.every((t) => plan.includes(t)), 'the imported targets are in the plan');
    await signOut(page);
  });
});
