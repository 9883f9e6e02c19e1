// Personal challenge: a pupil ranks challenges from the menu; the school forms teams; the
// pupil sees their team, the reason, and the team page.

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

test('a learner ranks challenges and sees their team', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    await signIn(page, 'pupil');
    await page.click('a:has-text("See my record")');
    await page.click('a:has-text("My personal challenge")');
    await page.waitForLoadState('load');
    await checkAccessibility(page);
    const values = await page.locator('#c1 option').evaluateAll((opts) => opts.map((o) => o.value).filter((v) => v));
    assert.ok(values.length >= 3, `the menu should offer challenges, found ${values.length}`);
    await page.selectOption('#c1', values[10]);
    await page.selectOption('#c2', values[11]);
    await page.selectOption('#c3', values[12]);
    // Earlier choices may still be selected lower down; this pupil wants only three.
    await page.selectOption('#c4', '');
    await page.selectOption('#c5', '');
    await page.click('button:has-text("Save my choices")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /Your choices are saved/);
    const record = new URL(page.url()).pathname;
    await signOut(page);

    await signIn(page, 'leader');
    const school = await sectionContents(page, 'My school');
    await page.goto(school.links.find((h) => /^\/schools\/\d+$/.test(h)));
    await page.click('a:has-text("Personal challenges")');
    await page.waitForLoadState('load');
    await checkAccessibility(page);
    await page.click('button:has-text("Form the Year 8 teams")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /pupils placed in/);
    await signOut(page);

    await signIn(page, 'pupil');
    await page.goto(record);
    const text = await page.locator('main').innerText();
    assert.match(text, /Your team: /);
    await checkAccessibility(page);
    await page.click('a:has-text("Open the team page")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /The team/);
    await checkAccessibility(page);
    await signOut(page);
  });
});
