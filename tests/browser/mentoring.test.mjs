// Mentoring journeys: a mentor logs a session and the pupil sees the shared part but not
// the private part; a leader opens the relationship-gaps report and finds a pupil whose
// mentor session is overdue.

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

async function pupilRecord(page) {
  await signIn(page, 'pupil');
  const link = await page.locator('a:has-text("See my record")').first().getAttribute('href');
  assert.ok(link && link.startsWith('/learners/'), `the pupil's home should link to their record, got ${link}`);
  await signOut(page);
  return link;
}

test('a mentor logs a session; the pupil sees the shared part, not the private part', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    const record = await pupilRecord(page);
    const shared = `We agreed to read for ten minutes each night (${Date.now()})`;
    const secret = `Private: tired in the mornings (${Date.now()})`;

    await signIn(page, 'mentor');
    await page.goto(`${record}/mentor`);
    await checkAccessibility(page);
    await page.fill('#minutes', '20');
    await page.fill('#shared', shared);
    await page.fill('#private', secret);
    await page.click('button:has-text("Save session")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /Session saved/);
    assert.ok((await page.locator('main').innerText()).includes(secret), 'the mentor sees their private note');
    await signOut(page);

    await signIn(page, 'pupil');
    await page.click('a:has-text("See my record")');
    await page.click('a:has-text("My mentor")');
    await page.waitForLoadState('load');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(shared), 'the pupil sees what was agreed');
    assert.ok(!text.includes(secret), 'the pupil must not see the private note');
    await checkAccessibility(page);
    await signOut(page);
  });
});

test('a leader opens the gaps report and finds a pupil with an overdue mentor session', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    await signIn(page, 'leader');
    const school = await sectionContents(page, 'My school');
    const gapsLink = school.links.find((h) => /^\/schools\/\d+\/gaps$/.test(h));
    assert.ok(gapsLink, `the leader's home should link to the gaps report; links: ${JSON.stringify(school.links)}`);
    await page.goto(gapsLink);
    await checkAccessibility(page);
    const row = page.locator('tr', { hasText: 'No mentor session for six weeks' }).first();
    assert.ok(await row.count(), 'the report lists at least one pupil with an overdue mentor session');
    await row.locator('a').first().click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('h1').innerText(), /Relationship map/);
    assert.match(await page.locator('main').innerText(), /Last session: |not recorded yet/);
    await checkAccessibility(page);
    await signOut(page);
  });
});

test('a pupil ranks three mentors and, after the assignment, sees their mentor and the reason', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    await signIn(page, 'pupil');
    await page.click('a:has-text("See my record")');
    await page.click('a:has-text("My mentor")');
    await page.waitForLoadState('load');
    await checkAccessibility(page);
    const values = await page.locator('#choice1 option').evaluateAll((opts) => opts.map((o) => o.value).filter((v) => v));
    assert.ok(values.length >= 3, `there should be at least three mentors to choose from, found ${values.length}`);
    const first = values[values.length - 1];
    await page.selectOption('#choice1', first);
    await page.selectOption('#choice2', values[0]);
    await page.selectOption('#choice3', values[1]);
    await page.click('button:has-text("Save my choices")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /Your choices are saved/);
    const firstName = (await page.locator(`#choice1 option[value="${first}"]`).innerText()).trim();
    await signOut(page);

    await signIn(page, 'leader');
    const school = await sectionContents(page, 'My school');
    const schoolLink = school.links.find((h) => /^\/schools\/\d+$/.test(h));
    await page.goto(schoolLink);
    await page.click('a:has-text("Mentor assignment")');
    await page.waitForLoadState('load');
    await checkAccessibility(page);
    await page.click('button:has-text("Run the mentor assignment")');
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /got their first choice/);
    await signOut(page);

    await signIn(page, 'pupil');
    await page.click('a:has-text("See my record")');
    await page.click('a:has-text("My mentor")');
    await page.waitForLoadState('load');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(firstName), `the pupil should see their mentor ${firstName}`);
    assert.match(text, /You got your first choice/);
    await checkAccessibility(page);
    await signOut(page);
  });
});
