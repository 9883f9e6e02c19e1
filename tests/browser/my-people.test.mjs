// A pupil sees the people around them: tutor, mentor, teachers and parents or carers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkAccessibility, JOURNEY_TIMEOUT_MS, openVillage, sectionContents, signIn } from './support.mjs';

let village;
before(async () => {
  village = await openVillage();
});
after(async () => {
  await village?.close();
});

// Each relationship must appear as an li holding the word and a name beside it.
const RELATIONSHIPS = [
  ['a tutor', /\bTutor\b/],
  ['a mentor', /\bMentor\b/],
  ['at least one teacher', /\bTeacher\b/],
  ['at least one parent or carer', /\b(Parent|Carer)\b/],
];

test('a pupil sees "My people": tutor, mentor, teachers and parents', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    await signIn(page, 'pupil');
    assert.equal(new URL(page.url()).pathname, '/', `signed in, the pupil should be on /, not ${page.url()}`);
    await checkAccessibility(page);

    const section = await sectionContents(page, 'My people');
    assert.ok(section.found, `the pupil's home has no h2 "My people"; its h2s are ${JSON.stringify(section.h2s)}`);
    assert.ok(section.items.length > 0, 'the "My people" section lists nobody (no li elements)');

    for (const [who, word] of RELATIONSHIPS) {
      const entry = section.items.find((text) => {
        const m = text.match(word);
        if (!m) return false;
        const rest = text.replace(word, ' ');
        return /\p{L}{2,}/u.test(rest); // a name beside the relationship word
      });
      assert.ok(
        entry,
        `"My people" should list ${who} (an li with the word and a name); its entries are ${JSON.stringify(section.items)}`,
      );
    }
  });
});
