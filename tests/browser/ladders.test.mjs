// Ladders of progress: the pupil's maths teacher records where the pupil is on the Maths
// ladder, and the pupil sees their step, the next step and the teacher's note behind it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  checkAccessibility,
  clickAndLoad,
  escapeRegExp,
  greetingName,
  JOURNEY_TIMEOUT_MS,
  learnerPathOf,
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

/** The card of the ladder whose title starts with "Maths:". */
function mathsLadder(page) {
  return page.locator('section', { has: page.locator('h2', { hasText: /^Maths: / }) });
}

test("a teacher records a step on the pupil's Maths ladder; the pupil sees it and the next step", { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    const record = await learnerPathOf(page, 'pupil');
    const note = `Solved three unseen simultaneous-equation problems and explained each step (${Date.now()})`;

    // The teacher goes from their maths set to the pupil's ladders.
    await signIn(page, 'teacher');
    const teacherName = await greetingName(page);
    const groups = await sectionContents(page, 'My groups');
    assert.ok(groups.found, `the teacher's home should list their groups; it has: ${JSON.stringify(groups.h2s)}`);
    const maths = page.locator('a[href^="/groups/"]', { hasText: 'Maths' }).first();
    assert.equal(await maths.count(), 1, "the teacher's groups include a maths set");
    await clickAndLoad(page, maths);
    await checkAccessibility(page);
    await clickAndLoad(page, page.locator(`a[href="${record}"]`).first());
    await checkAccessibility(page);
    await clickAndLoad(page, page.getByRole('link', { name: 'Learning plan', exact: true }));
    await clickAndLoad(page, page.getByRole('link', { name: 'Ladders of progress', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/ladders`);
    assert.match(await page.locator('h1').innerText(), /^Ladders of progress: /);
    await checkAccessibility(page);

    const card = mathsLadder(page);
    assert.equal(await card.count(), 1, 'the pupil has one Maths ladder');
    const ladderTitle = normalise(await card.locator('h2').innerText());
    const shownBefore = normalise(await card.innerText());
    const current = /\bOn step (\S+): /.exec(shownBefore)?.[1] ?? null;

    // A step other than the current one, and not the top one, so there is a next step.
    await card.locator('summary', { hasText: 'Record a judgement' }).click();
    const select = card.locator('select[name="rung"]');
    const options = await select.locator('option').evaluateAll((os) =>
      os.map((o) => ({ value: o.value, label: o.textContent.trim() })),
    );
    assert.ok(options.length >= 3, `the Maths ladder should have steps, found ${options.length}`);
    const here = options.findIndex((o) => o.value === current);
    const pick = here + 1 < options.length - 1 ? here + 1 : here - 1;
    const step = options[pick];
    const next = options[pick + 1];
    assert.notEqual(step.value, current, 'the new step differs from the current one');
    const stepTitle = step.label.slice(step.label.indexOf(': ') + 2);
    const nextTitle = next.label.slice(next.label.indexOf(': ') + 2);
    await select.selectOption(step.value);
    await card.locator('textarea[name="note"]').fill(note);
    await clickAndLoad(page, card.getByRole('button', { name: 'Save', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/ladders`);
    const shownAfter = normalise(await mathsLadder(page).innerText());
    assert.ok(shownAfter.includes(`On step ${step.value}: ${stepTitle}.`), `the teacher now sees step ${step.value}: ${shownAfter.slice(0, 300)}`);
    assert.ok(shownAfter.includes(`said step ${step.value}: ${note}`), 'the teacher sees their note as the evidence');
    await checkAccessibility(page);
    await signOut(page);

    // The pupil sees where they are, what comes next, and why.
    await signIn(page, 'pupil');
    await clickAndLoad(page, page.getByRole('link', { name: 'My ladders of progress', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/ladders`);
    assert.match(await page.locator('h1').innerText(), /My ladders of progress/);
    await checkAccessibility(page);
    const mine = mathsLadder(page);
    assert.equal(normalise(await mine.locator('h2').innerText()), ladderTitle);
    const whereNow = normalise(await mine.locator('.where-now').innerText());
    assert.ok(whereNow.startsWith(`You are on step ${step.value}: ${stepTitle}.`), `the pupil's step: "${whereNow}"`);
    const nextStep = normalise(await mine.locator('.next-step').innerText());
    assert.ok(nextStep.startsWith(`Next step: ${next.value}, ${nextTitle}.`), `the pupil's next step: "${nextStep}"`);
    assert.equal(
      normalise(await mine.locator('li[aria-current="step"]').innerText()),
      `${step.value} ${stepTitle}`,
      'the ladder marks the step the pupil is on',
    );
    const evidence = (await mine.locator('h3:text-is("The evidence behind it") + ul > li').allInnerTexts()).map(normalise);
    assert.ok(evidence.length >= 1, 'the pupil sees the evidence behind their step');
    assert.match(evidence[0], new RegExp(`\\(${escapeRegExp(teacherName)} [^)]*\\) said step ${step.value}: `), `the latest evidence is the teacher's: "${evidence[0]}"`);
    assert.ok(evidence[0].endsWith(note), `the latest evidence is the teacher's note: "${evidence[0]}"`);
    await signOut(page);
  });
});
