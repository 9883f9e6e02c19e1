// Personal timetables: a pupil changes a SECURE choice and, after the timetabler solves
// again and publishes, finds it in their week; the timetabler runs a solve, watches its
// progress live, and reads the report of requests that could not be met; the timetabler
// marks a teacher away for a day and free colleagues cover their lessons, then marks
// them back again; the timetabler notes a teacher away on one date, reads the cover sheet
// for that date, and ends the absence.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  checkAccessibility,
  clickAndLoad,
  JOURNEY_TIMEOUT_MS,
  learnerPathOf,
  mainText,
  normalise,
  openVillage,
  sectionContents,
  signIn,
  signOut,
} from './support.mjs';

let village;
before(async () => {
  village = await openVillage();
});
after(async () => {
  await village?.close();
});

/** The leader's school timetable page, reached from their home page. */
async function openTimetabler(page) {
  await signIn(page, 'leader');
  await clickAndLoad(page, page.getByRole('link', { name: 'Timetable', exact: true }).first());
  assert.match(normalise(await page.locator('h1').innerText()), /^Timetable: /);
}

/** Starts a solve from the timetabler's page and waits for the results to show. */
async function solveAndWait(page, { seconds, keep }) {
  await page.getByLabel('Time limit in seconds (5 to 600)').fill(String(seconds));
  const keepBox = page.getByLabel('Start from the published timetable and change as little as possible');
  if ((await keepBox.count()) > 0) await keepBox.setChecked(keep);
  await clickAndLoad(page, page.getByRole('button', { name: 'Solve', exact: true }));
  assert.match(normalise(await page.locator('h1').innerText()), /^Solve \d+$/);
  // The page reloads itself when the solve ends; then it shows the result.
  await page.locator('h2:text-is("Result")').waitFor({ timeout: (seconds + 60) * 1000 });
}

test('a pupil changes a SECURE choice and sees it after the next solve', { timeout: JOURNEY_TIMEOUT_MS * 2 }, async () => {
  await village.withPage(async (page) => {
    const record = await learnerPathOf(page, 'pupil');
    await signIn(page, 'pupil');
    const today = await sectionContents(page, 'Today');
    assert.ok(today.found, `the pupil's home shows today; it has: ${JSON.stringify(today.h2s)}`);
    await clickAndLoad(page, page.getByRole('link', { name: 'My SECURE and window choices', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/timetable/choices`);
    await checkAccessibility(page);

    // Choose the last SECURE option first, and nothing else.
    const first = page.getByLabel('Choice 1', { exact: true });
    const options = await first.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent.trim() })).filter((o) => o.value));
    assert.ok(options.length >= 2, `SECURE options are offered: ${JSON.stringify(options)}`);
    const chosen = options[options.length - 1];
    await first.selectOption(chosen.value);
    const others = page.locator('select[name="secure"]');
    for (let i = 1; i < (await others.count()); i++) await others.nth(i).selectOption('');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save my choices', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/timetable`);
    assert.match(normalise(await page.getByRole('status').innerText()), /^Your choices are saved\./);
    const mine = await sectionContents(page, 'My choices');
    assert.deepEqual(mine.items, [chosen.label], `the choice is listed: ${JSON.stringify(mine.items)}`);
    const pupilName = normalise(await page.locator('h1').innerText()).replace(/^Timetable: /, '');
    await checkAccessibility(page);
    await signOut(page);

    // The timetabler solves again from the published timetable, then publishes.
    await openTimetabler(page);
    await solveAndWait(page, { seconds: 10, keep: true });
    const result = await mainText(page);
    assert.match(result, /of pupils' lessons changed/, 'a re-solve says how much changed');
    assert.match(result, /\d+ min of lessons: how far a pupil's day typically is from their average day/, 'the run says how even pupils\' weeks are');
    await checkAccessibility(page);
    // If the request is not met, the report names the pupil and what they asked for.
    const unmetRows = await page.locator('table tbody tr').allInnerTexts();
    const explained = unmetRows.some((r) => r.includes(pupilName) && r.includes(chosen.label.split(':')[0]));
    await clickAndLoad(page, page.getByRole('button', { name: 'Publish this timetable', exact: true }));
    assert.match(normalise(await page.getByRole('status').innerText()), /^Published\./);
    await signOut(page);

    // The pupil's week now has the SECURE subject.
    await signIn(page, 'pupil');
    await page.goto(`${record}/timetable`);
    const week = await mainText(page);
    const subject = chosen.label.split(':')[0];
    assert.ok(week.includes(subject) || explained, `${subject} is in the pupil's timetable, or the report explains why not`);
    await checkAccessibility(page);
  });
});

test('the timetabler runs a solve, sees its progress and the unmet-request report', { timeout: JOURNEY_TIMEOUT_MS * 2 }, async () => {
  await village.withPage(async (page) => {
    await openTimetabler(page);
    await checkAccessibility(page);
    await page.getByLabel('Time limit in seconds (5 to 600)').fill('15');
    const keepBox = page.getByLabel('Start from the published timetable and change as little as possible');
    if ((await keepBox.count()) > 0) await keepBox.setChecked(false);
    await clickAndLoad(page, page.getByRole('button', { name: 'Solve', exact: true }));

    // Live progress: the bar moves and the status line says how far it has got.
    const bar = page.locator('progress#run-bar');
    await bar.waitFor();
    await checkAccessibility(page);
    await page.waitForFunction(() => /\d+ of \d+ seconds\. Best so far: /.test(document.getElementById('run-words')?.textContent ?? ''), null, { timeout: 30_000 });
    const words = normalise(await page.locator('#run-words').innerText());
    assert.match(words, /^\d+ of 15 seconds\. Best so far: /);

    // Then the results, with the figures and the report of unmet requests.
    await page.locator('h2:text-is("Result")').waitFor({ timeout: 90_000 });
    const result = await mainText(page);
    assert.match(result, /\d+ of \d+ lessons placed/);
    assert.match(result, /[\d.]+% of \d+ pupil requests met/);
    assert.match(result, /\d+ min of teaching: how far a staff member's working day typically is from their average one/, 'the run says how even staff weeks are');
    const unmet = page.locator('h2', { hasText: /^Requests not met \(\d+\)$/ });
    assert.equal(await unmet.count(), 1, 'the report of unmet requests is shown');
    const rows = page.locator('table tbody tr');
    const shown = Math.min(await rows.count(), 20);
    for (let i = 0; i < shown; i++) {
      const cells = (await rows.nth(i).locator('td').allInnerTexts()).map(normalise);
      assert.equal(cells.length, 3, `pupil, request and reason: ${JSON.stringify(cells)}`);
      assert.ok(cells.every((c) => c.length > 0), `each unmet request names the pupil, what they asked for and why: ${JSON.stringify(cells)}`);
    }
    await checkAccessibility(page);
  });
});

test('the timetabler marks a teacher away for a day and colleagues cover their lessons', { timeout: JOURNEY_TIMEOUT_MS * 2 }, async () => {
  await village.withPage(async (page) => {
    await openTimetabler(page);
    // The teacher with the most sets, read from the model the page offers to download.
    const modelUrl = new URL(`${new URL(page.url()).pathname.replace(/\/$/, "")}/model`, page.url()).toString();
    const model = await (await page.request.get(modelUrl)).json();
    const sets = new Map();
    for (const offer of model.offers) for (const set of offer.sets) sets.set(set.staff, (sets.get(set.staff) ?? 0) + 1);
    const teacher = [...sets.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const coverBox = page.getByLabel('Ask free colleagues to cover their lessons that day');
    let covered = null;
    const awayForm = page.locator('form[action$="/timetable/away"]');
    for (const day of model.days) {
      await awayForm.getByLabel('Staff member', { exact: true }).selectOption(teacher);
      await awayForm.getByLabel('Day', { exact: true }).selectOption(day);
      assert.equal(await coverBox.isChecked(), true, 'cover is offered and asked for by default');
      await clickAndLoad(page, awayForm.getByRole('button', { name: 'Save', exact: true }));
      const status = normalise(await page.getByRole('status').innerText());
      assert.match(status, /^Saved\./);
      if ((await page.locator('#cover-h').count()) > 0) {
        assert.match(status, /Colleagues cover (all )?\d+/);
        covered = day;
        break;
      }
    }
    assert.ok(covered, 'the teacher teaches on some day, and the page lists who covers it');
    const rows = page.locator('table[aria-labelledby="cover-h"] tbody tr');
    assert.ok((await rows.count()) > 0);
    for (let i = 0; i < (await rows.count()); i++) {
      const cells = (await rows.nth(i).locator('td').allInnerTexts()).map(normalise);
      assert.match(cells[0], /^\w+ \d\d:\d\d–\d\d:\d\d$/, `when: ${JSON.stringify(cells)}`);
      assert.ok(cells[3].length > 0, `each lesson says who covers it, or that nobody is free: ${JSON.stringify(cells)}`);
    }
    await checkAccessibility(page);

    // The re-solve from the published timetable moves hardly any pupil's lesson.
    await solveAndWait(page, { seconds: 10, keep: true });
    const changed = Number((await mainText(page)).match(/([\d.]+)% of pupils' lessons changed/)[1]);
    assert.ok(changed < 2, `${changed}% of pupils' lessons changed`);

    // The teacher is back: the timetabler marks them back for that day, and its cover ends.
    await page.goto(modelUrl.replace(/\/model$/, ''));
    const backForm = page.locator('form[action$="/timetable/back"]')
      .filter({ has: page.locator(`input[name="staff"][value="${teacher}"]`) })
      .filter({ has: page.locator(`input[name="day"][value="${covered}"]`) });
    assert.equal(await backForm.count(), 1, 'the page lists the absence');
    await clickAndLoad(page, backForm.getByRole('button', { name: /^Back again/ }));
    assert.match(normalise(await page.getByRole('status').innerText()), /^Saved\. They can teach on \w+ again, and the cover of their \d+ lessons that day has ended\./);
    await checkAccessibility(page);
    const after = await (await page.request.get(modelUrl)).json();
    const left = after.offers.flatMap((o) => o.sets).flatMap((s) => s.cover ?? []).filter((c) => c.day === covered);
    assert.equal(left.length, 0, 'no cover is left for that day');
  });
});

/** A date as the form takes it, `days` after `from`. */
function isoDate(from, days) {
  const d = new Date(from.getTime() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

test('the timetabler notes a teacher away on a date and reads the cover sheet', { timeout: JOURNEY_TIMEOUT_MS * 2 }, async () => {
  await village.withPage(async (page) => {
    await openTimetabler(page);
    const adminUrl = page.url();
    const model = await (await page.request.get(`${new URL(adminUrl).pathname.replace(/\/$/, '')}/model`)).json();
    const sets = new Map();
    for (const offer of model.offers) for (const set of offer.sets) sets.set(set.staff, (sets.get(set.staff) ?? 0) + 1);
    const teacher = [...sets.entries()].sort((a, b) => b[1] - a[1])[0][0];
    // From tomorrow, the first date that is a school day (weekends and holidays are refused
    // with the reason) on which the teacher has lessons.
    const form = page.locator('form[action$="/timetable/absences"]');
    const today = new Date();
    let date = null;
    for (let i = 1; i < 40 && !date; i++) {
      const d = isoDate(today, i);
      await form.getByLabel('Staff member', { exact: true }).selectOption(teacher);
      await form.getByLabel('Date', { exact: true }).fill(d);
      await clickAndLoad(page, form.getByRole('button', { name: 'Arrange cover' }));
      if ((await page.locator('.error-summary').count()) > 0) {
        assert.match(normalise(await page.locator('.error-summary').innerText()), /is a \w+day: the timetable has no lessons that day|is not a school day/);
        continue;
      }
      assert.match(normalise(await page.locator('h1').innerText()), /^Cover for \w+day \d+ \w+ \d{4}$/);
      const status = normalise(await page.getByRole('status').innerText());
      if (/no lessons that day/.test(status)) {
        // Away on a day without lessons: nothing to cover. End it and try the next date.
        await clickAndLoad(page, page.getByRole('button', { name: /^Not away after all/ }));
        await page.goto(adminUrl);
        continue;
      }
      assert.match(status, /^Saved\. Colleagues cover (all )?\d+/);
      date = d;
    }
    assert.ok(date, 'the teacher has lessons on some school day in the next few weeks');
    const rows = page.locator('table[aria-labelledby="sheet-h"] tbody tr');
    assert.ok((await rows.count()) > 0, 'the sheet lists their lessons');
    for (let i = 0; i < (await rows.count()); i++) {
      const cells = (await rows.nth(i).locator('td').allInnerTexts()).map(normalise);
      assert.match(cells[0], /^\d\d:\d\d–\d\d:\d\d$/, `time: ${JSON.stringify(cells)}`);
      assert.ok(cells[3].length > 0 && cells[4].length > 0, `usual teacher and cover: ${JSON.stringify(cells)}`);
      assert.notEqual(cells[4], cells[3], 'someone else covers, or nobody is free');
    }
    await checkAccessibility(page);

    // The timetabler's page lists the absence and links the sheet.
    await clickAndLoad(page, page.getByRole('link', { name: 'Back to the timetable' }));
    const link = page.locator(`ul[aria-labelledby="dates-h"] a[href$="/timetable/cover/${date}"]`);
    assert.equal(await link.count(), 1, 'the absence is listed with its cover sheet');
    await clickAndLoad(page, link);

    // Not away after all: the cover ends.
    await clickAndLoad(page, page.getByRole('button', { name: /^Not away after all/ }));
    assert.match(normalise(await page.getByRole('status').innerText()), /^Saved\. .+ is not away on \d{4}-\d\d-\d\d after all, and the cover of their \d+ lessons that day has ended\./);
    assert.equal(await page.locator('table[aria-labelledby="sheet-h"]').count(), 0, 'no cover is left that date');
    await checkAccessibility(page);
  });
});
