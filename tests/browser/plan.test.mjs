// The learning plan: a pupil writes who they want to be and proposes two targets; their
// tutor comments; a parent and the tutor agree, and the plan shows it is agreed by all
// three. The comparison of versions shows what the new version changed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  checkAccessibility,
  clickAndLoad,
  escapeRegExp,
  greetingName,
  JOURNEY_TIMEOUT_MS,
  learnerPathOf,
  mainText,
  normalise,
  openVillage,
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

/** The agreement line: "Version N is agreed by ..." or "Version N is being written. ..." */
async function planStatus(page) {
  return normalise(await page.locator('#plan-status').innerText());
}

function versionOf(status) {
  const m = /^Version (\d+) /.exec(status);
  assert.ok(m, `the agreement line should start with the version, got "${status}"`);
  return Number(m[1]);
}

/** Open "Add a target", fill it in and save it. */
async function addTarget(page, target) {
  await page.locator('summary', { hasText: 'Add a target' }).click();
  await page.selectOption('#t-domain', target.domain);
  await page.fill('#t-title', target.title);
  await page.fill('#t-subject', target.subject ?? '');
  await page.fill('#t-baseline', target.baseline);
  await page.fill('#t-goal', target.goal);
  await page.fill('#t-due', target.due);
  await page.check('#t-m-judged');
  await clickAndLoad(page, page.getByRole('button', { name: 'Save target', exact: true }));
  const text = await mainText(page);
  assert.match(text, /The target is saved\./, `saving "${target.title}" should say so; the page says: ${text.slice(0, 400)}`);
  const item = page.locator('li', { has: page.locator('strong', { hasText: target.title }) });
  assert.equal(await item.count(), 1, `the plan should list the target "${target.title}"`);
  assert.match(normalise(await item.innerText()), new RegExp(`Goal: ${target.goal}\\.`));
}

test('a pupil proposes a plan; the tutor comments; a parent and the tutor agree it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    const record = await learnerPathOf(page, 'pupil');
    const planPath = `${record}/plan`;
    const stamp = Date.now();
    const aspiration = `A marine biologist who films the sea floor (${stamp})`;
    const year = new Date().getFullYear() + 1;
    const targets = [
      {
        domain: 'attainment',
        title: `Read one science article a week (${stamp})`,
        subject: 'Science',
        baseline: 'About one a month',
        goal: 'One article every week, with three new words noted',
        due: `${year}-03-31`,
      },
      {
        domain: 'wellbeing',
        title: `Go to bed by ten on school nights (${stamp})`,
        baseline: 'Often after eleven',
        goal: 'Four school nights out of five',
        due: `${year}-02-28`,
      },
    ];
    const comment = `A good, honest plan. Let's look at the science reading together on Friday (${stamp}).`;

    // The pupil writes who they want to be and proposes two targets.
    await signIn(page, 'pupil');
    const pupilName = await greetingName(page);
    await clickAndLoad(page, page.getByRole('link', { name: 'My learning plan', exact: true }));
    assert.equal(new URL(page.url()).pathname, planPath);
    assert.match(await page.locator('h1').innerText(), /My learning plan/);
    await checkAccessibility(page);
    await page.fill('#who', aspiration);
    await clickAndLoad(page, page.getByRole('button', { name: 'Save', exact: true }));
    assert.match(await mainText(page), /Saved\. Your tutor and parents can see it now\./);
    assert.equal(await page.inputValue('#who'), aspiration, 'the saved words are shown in the form');
    await checkAccessibility(page);
    for (const t of targets) await addTarget(page, t);
    let status = await planStatus(page);
    assert.match(status, /is being written/, `after changes the plan is open again: "${status}"`);
    const version = versionOf(status);

    // Agreeing is how the pupil proposes it.
    await clickAndLoad(page, page.getByRole('button', { name: 'I agree with this plan (as the pupil)' }));
    assert.match(await mainText(page), /Thank you: your agreement is recorded\./);
    status = await planStatus(page);
    assert.match(status, new RegExp(`^Version ${version} is being written\\.`));
    assert.match(status, new RegExp(`Agreed so far by ${escapeRegExp(pupilName)} [^,()]*\\(pupil\\)`), status);
    assert.match(status, /Still to agree: the tutor, a parent or carer\./, status);
    assert.match(await mainText(page), /You have agreed this version\./);
    await checkAccessibility(page);
    await signOut(page);

    // The tutor reads the proposal and comments.
    await signIn(page, 'tutor');
    const tutorName = await greetingName(page);
    await clickAndLoad(page, page.locator(`a[href="${record}"]`).first());
    await checkAccessibility(page);
    await clickAndLoad(page, page.getByRole('link', { name: 'Learning plan', exact: true }));
    assert.equal(new URL(page.url()).pathname, planPath);
    await checkAccessibility(page);
    let text = await mainText(page);
    for (const t of targets) assert.ok(text.includes(t.title), `the tutor sees the proposed target "${t.title}"`);
    await page.fill('#comment-body', comment);
    await clickAndLoad(page, page.getByRole('button', { name: 'Add comment', exact: true }));
    text = await mainText(page);
    assert.match(text, /Your comment is added\./);
    const shown = page.locator('li', { hasText: comment });
    assert.equal(await shown.count(), 1, 'the comment is listed once');
    assert.match(normalise(await shown.innerText()), new RegExp(`^${escapeRegExp(tutorName)} .*\\(tutor, .*version ${version}\\): `));
    await signOut(page);

    // A parent reads the comment and agrees.
    await signIn(page, 'parent');
    const parentName = await greetingName(page);
    await clickAndLoad(page, page.locator(`a[href="${planPath}"]`).first());
    assert.equal(new URL(page.url()).pathname, planPath);
    await checkAccessibility(page);
    text = await mainText(page);
    assert.ok(text.includes(comment), "the parent sees the tutor's comment");
    assert.ok(text.includes(aspiration), "the parent reads the pupil's own words");
    await clickAndLoad(page, page.getByRole('button', { name: 'I agree with this plan (as a parent or carer)' }));
    assert.match(await mainText(page), /Thank you: your agreement is recorded\./);
    status = await planStatus(page);
    assert.match(status, /Still to agree: the tutor\./, status);
    await signOut(page);

    // The tutor agrees last: the plan is agreed.
    await signIn(page, 'tutor');
    await page.goto(planPath);
    await clickAndLoad(page, page.getByRole('button', { name: 'I agree with this plan (as the tutor)' }));
    assert.match(await mainText(page), /Thank you\. Everyone has agreed: the plan is agreed\./);
    status = await planStatus(page);
    assert.match(status, new RegExp(`^Version ${version} is agreed by `), status);
    for (const [name, role] of [
      [pupilName, 'pupil'],
      [parentName, 'parent'],
      [tutorName, 'tutor'],
    ]) {
      assert.match(status, new RegExp(`\\b${escapeRegExp(name)} [^,()]*\\(${role}\\)`), `the agreed line names the ${role}, ${name}: "${status}"`);
    }
    assert.equal(
      await page.getByRole('button', { name: /I agree with this plan/ }).count(),
      0,
      'an agreed plan offers no agree button',
    );
    await checkAccessibility(page);

    // The new version against the one agreed before it.
    await clickAndLoad(page, page.getByRole('link', { name: 'Compare versions' }));
    assert.match(await page.locator('h1').innerText(), /Plan versions: /);
    await checkAccessibility(page);
    const versions = await page.locator('#vb option').allInnerTexts();
    assert.equal(normalise(await page.locator('#vb option:checked').innerText()), String(version), 'the newest version is on the right');
    if (versions.length > 1) {
      const changes = normalise(await page.locator('#changes-h').innerText());
      assert.match(changes, new RegExp(`^What changed from version \\d+ to version ${version}$`), changes);
      for (const t of targets) {
        const row = page.locator('tr', { has: page.locator('th', { hasText: `Target: ${t.title}` }) });
        assert.equal(await row.count(), 1, `the changes list the new target "${t.title}"`);
        const cells = (await row.locator('td').allInnerTexts()).map(normalise);
        assert.equal(cells[0], '(not there)', `"${t.title}" was not in the earlier version`);
        assert.ok(cells[1].includes(t.goal), `the new version's side shows the goal of "${t.title}": ${cells[1]}`);
      }
      const who = page.locator('tr', { has: page.locator('th', { hasText: 'Who I want to be' }) });
      assert.ok((await who.innerText()).includes(aspiration), 'the changes show the new words');
    } else {
      // The first plan ever agreed: there is nothing earlier, so its side lists the targets.
      const side = normalise(await page.locator('section', { has: page.locator(`h2:text-is("Version ${version}")`) }).first().innerText());
      for (const t of targets) assert.ok(side.includes(t.title), `version ${version} lists "${t.title}"`);
    }
    await signOut(page);
  });
});
