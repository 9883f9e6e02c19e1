// Review days: a parent books a time with their child's tutor from their home page, sees
// the booking confirmed, and finds it on their home page under "Review days coming up".

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  checkAccessibility,
  clickAndLoad,
  escapeRegExp,
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

test('a parent books a review-day time and sees it on their home page', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    const record = await learnerPathOf(page, 'pupil');
    const reviewsPath = `${record}/reviews`;

    await signIn(page, 'parent');
    const children = await sectionContents(page, 'My children');
    assert.ok(children.found, `the parent's home lists their children; it has: ${JSON.stringify(children.h2s)}`);
    assert.ok(children.links.includes(reviewsPath), `the parent's home links to ${reviewsPath}: ${JSON.stringify(children.links)}`);
    const bookLink = page.locator(`a[href="${reviewsPath}"]`).first();
    assert.equal(normalise(await bookLink.innerText()), 'book a review');
    await clickAndLoad(page, bookLink);
    assert.equal(new URL(page.url()).pathname, reviewsPath);
    const heading = normalise(await page.locator('h1').innerText());
    assert.match(heading, /^Review day: /);
    const child = heading.slice('Review day: '.length);
    await checkAccessibility(page);

    // The first free time of an open review day (whatever earlier bookings left free).
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Book this time', exact: true }) }).first();
    assert.equal(await form.count(), 1, `a review day is open for booking with free times: ${(await mainText(page)).slice(0, 400)}`);
    const round = normalise(await page.locator('section', { has: form }).locator('h2').innerText());
    const day = /: \w+ (\d+ \w+) \d{4}$/.exec(round)?.[1];
    assert.ok(day, `the review day's heading gives its date: "${round}"`);
    const slot = form.locator('input[type="radio"][name="slot"]').first();
    const label = normalise(await form.locator(`label[for="${await slot.getAttribute('id')}"]`).innerText());
    const m = /^(\d\d:\d\d) with (.+) \(you join at (\d\d:\d\d)\)$/.exec(label);
    assert.ok(m, `a free time reads "HH:MM with TUTOR (you join at HH:MM)": "${label}"`);
    const [, time, tutor, parentsTime] = m;
    await slot.check();
    await clickAndLoad(page, form.getByRole('button', { name: 'Book this time', exact: true }));

    // The booking is confirmed, and listed as booked.
    const confirmation = normalise(await page.getByRole('status').innerText());
    assert.match(confirmation, new RegExp(`^Booked: \\w+ ${day} at ${time} with ${escapeRegExp(tutor)} \\(parents join at ${parentsTime}\\)\\.$`), confirmation);
    const booked = await sectionContents(page, 'Booked');
    assert.ok(booked.found, 'the page lists what is booked');
    assert.ok(
      booked.items.some((li) => li.includes(`${day} at ${time}`) && li.includes(`with ${tutor}; parents join at ${parentsTime}.`)),
      `the booked list shows ${day} at ${time}: ${JSON.stringify(booked.items)}`,
    );
    assert.equal(
      await page.locator(`label:text-is("${label}")`).count(),
      0,
      'the booked time is no longer offered as free',
    );
    await checkAccessibility(page);

    // The home page reminds the parent.
    await clickAndLoad(page, page.getByRole('link', { name: 'Home', exact: true }));
    const soon = await sectionContents(page, 'Review days coming up');
    assert.ok(soon.found, `the parent's home shows "Review days coming up"; it has: ${JSON.stringify(soon.h2s)}`);
    assert.ok(
      soon.items.some((li) => li.includes(`${day} at ${time}: ${child} with ${tutor} (parents join at ${parentsTime})`)),
      `the reminder names the time, ${child} and ${tutor}: ${JSON.stringify(soon.items)}`,
    );
    assert.ok(soon.links.includes(`${record}/plan`), "the reminder links to the child's plan");
    await checkAccessibility(page);
    await signOut(page);
  });
});
