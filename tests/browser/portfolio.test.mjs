// The portfolio: a pupil adds a photo and a voice recording with what they learned, linked
// to a target, and both show and play; a text file dressed up as a photo is refused. Then
// the pupil builds a showcase from two pieces of work and presents it slide by slide.

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

/** A PNG drawn on a canvas in the page: coloured bands and a word, `width` x `height`. */
async function canvasPng(page, { colours, word, width = 320, height = 240 }) {
  const dataUrl = await page.evaluate(
    ({ colours, word, width, height }) => {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext('2d');
      colours.forEach((c, i) => {
        ctx.fillStyle = c;
        ctx.fillRect(0, (i * height) / colours.length, width, height / colours.length);
      });
      ctx.fillStyle = '#000';
      ctx.font = '32px sans-serif';
      ctx.fillText(word, 16, height / 2);
      return canvas.toDataURL('image/png');
    },
    { colours, word, width, height },
  );
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'the canvas gave a PNG');
  return bytes;
}

/** A mono 16-bit PCM WAV file of a sine tone. */
function sineWav({ seconds = 1, rate = 8000, hz = 440 } = {}) {
  const samples = Math.round(seconds * rate);
  const dataBytes = samples * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'latin1');
  wav.write('fmt ', 12, 'latin1');
  wav.writeUInt32LE(16, 16); // size of the fmt chunk
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28); // bytes per second
  wav.writeUInt16LE(2, 32); // bytes per sample frame
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 0.4 * 32767), 44 + 2 * i);
  }
  return wav;
}

/** Fill in the "Add evidence" form and press "Add to portfolio". Returns the linked target's title, if any. */
async function addEvidence(page, { title, reflection, how, outside = false, file, body, linkFirstTarget = false }) {
  await page.fill('#ev-title', title);
  await page.fill('#ev-reflection', reflection);
  if (how) await page.selectOption('#ev-how', how);
  await page.check(outside ? '#ev-outside' : '#ev-school');
  let target = null;
  if (linkFirstTarget) {
    const box = page.locator('fieldset', { hasText: 'Evidence for these targets' }).locator('input[type="checkbox"]').first();
    assert.equal(await box.count(), 1, 'the pupil has a target to link the evidence to');
    await box.check();
    target = normalise(await page.locator(`label[for="${await box.getAttribute('id')}"]`).innerText());
  }
  if (body) await page.fill('#ev-body', body);
  if (file) await page.setInputFiles('#ev-file', file);
  await clickAndLoad(page, page.getByRole('button', { name: 'Add to portfolio', exact: true }));
  return target;
}

/** The portfolio card whose heading is `title`. */
function card(page, title) {
  return page.locator('article.evidence', { has: page.getByRole('heading', { name: title, exact: true }) });
}

/** Wait until an image has loaded, and return its natural width (0 when it never loads). */
async function loadedWidth(img) {
  await img.scrollIntoViewIfNeeded();
  try {
    await img.page().waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle(), {
      timeout: 10_000,
    });
  } catch {
    // Fall through: the caller's assertion reports the width.
  }
  return img.evaluate((el) => el.naturalWidth);
}

test('a pupil adds a photo and a voice recording to their portfolio; a mislabelled file is refused', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    const record = await learnerPathOf(page, 'pupil');
    const portfolioPath = `${record}/portfolio`;
    const stamp = Date.now();
    const photoTitle = `Our bridge model after the load test (${stamp})`;
    const photoReflection = 'Triangles made the bridge much stiffer than squares did.';
    const voiceTitle = `Reading my poem aloud (${stamp})`;
    const voiceReflection = 'Slowing down at the line breaks made the rhythm easier to hear.';
    const fakeTitle = `Not really a photo (${stamp})`;

    await signIn(page, 'pupil');
    await clickAndLoad(page, page.getByRole('link', { name: 'My portfolio', exact: true }));
    assert.equal(new URL(page.url()).pathname, portfolioPath);
    assert.match(await page.locator('h1').innerText(), /My portfolio/);
    await checkAccessibility(page);

    // A photo, linked to one of the pupil's targets.
    const png = await canvasPng(page, { colours: ['#1d70b8', '#ffdd00', '#00703c'], word: 'bridge' });
    const target = await addEvidence(page, {
      title: photoTitle,
      reflection: photoReflection,
      how: 'practice',
      file: { name: 'bridge.png', mimeType: 'image/png', buffer: png },
      linkFirstTarget: true,
    });
    assert.equal(new URL(page.url()).pathname, portfolioPath);
    assert.match(await mainText(page), /Added to the portfolio\./);
    await checkAccessibility(page);

    // A voice recording, made outside school.
    const wav = sineWav({ seconds: 1.5 });
    await addEvidence(page, {
      title: voiceTitle,
      reflection: voiceReflection,
      how: 'listening',
      outside: true,
      file: { name: 'poem.wav', mimeType: 'audio/wav', buffer: wav },
    });
    assert.match(await mainText(page), /Added to the portfolio\./);

    // Both show, with what was learned; the photo is linked to the target.
    const photo = card(page, photoTitle);
    const voice = card(page, voiceTitle);
    assert.equal(await photo.count(), 1, 'the photo is in the portfolio once');
    assert.equal(await voice.count(), 1, 'the recording is in the portfolio once');
    const photoText = normalise(await photo.innerText());
    assert.ok(photoText.includes(`What I learned: ${photoReflection}`), photoText);
    assert.ok(photoText.includes(`For: ${target}`), `the photo is evidence for "${target}": ${photoText}`);
    const voiceText = normalise(await voice.innerText());
    assert.ok(voiceText.includes(`What I learned: ${voiceReflection}`), voiceText);
    assert.ok(voiceText.includes('Outside school'), voiceText);

    // The photo's preview really loads, as a JPEG.
    const img = photo.locator('img');
    assert.equal(await img.count(), 1, 'the photo card shows the photo');
    assert.equal(await img.getAttribute('alt'), photoTitle, 'the photo has its title as its text alternative');
    assert.ok((await loadedWidth(img)) > 0, 'the photo preview loads (naturalWidth > 0)');
    const previewSrc = await img.getAttribute('src');
    assert.match(previewSrc, new RegExp(`^${portfolioPath}/\\d+/preview$`));
    const preview = await page.request.get(previewSrc);
    assert.equal(preview.status(), 200);
    assert.equal(preview.headers()['content-type'], 'image/jpeg');

    // The recording plays: its source answers 200 with an audio type and the bytes sent.
    const audio = voice.locator('audio[controls]');
    assert.equal(await audio.count(), 1, 'the recording card has an audio player');
    const audioSrc = await audio.getAttribute('src');
    const sound = await page.request.get(audioSrc);
    assert.equal(sound.status(), 200, `GET ${audioSrc}`);
    assert.match(sound.headers()['content-type'] ?? '', /^audio\//, `GET ${audioSrc} content type`);
    assert.ok((await sound.body()).equals(wav), 'the recording comes back exactly as it was uploaded');
    const duration = await audio.evaluate(
      (el) =>
        new Promise((resolve) => {
          if (el.readyState >= 1) return resolve(el.duration);
          el.addEventListener('loadedmetadata', () => resolve(el.duration), { once: true });
          el.addEventListener('error', () => resolve(-1), { once: true });
          el.preload = 'metadata';
          el.load();
        }),
    );
    assert.ok(Math.abs(duration - 1.5) < 0.05, `the browser reads the recording as 1.5 s long, got ${duration}`);

    // The target's evidence link finds the photo.
    await clickAndLoad(page, page.getByRole('link', { name: 'Learning plan', exact: true }));
    const targetItem = page.locator('li', { has: page.locator('strong', { hasText: target }) }).first();
    const evidenceLink = targetItem.getByRole('link', { name: /\d+ evidence/ });
    assert.equal(await evidenceLink.count(), 1, `the plan counts the evidence for "${target}"`);
    await clickAndLoad(page, evidenceLink);
    assert.equal(await card(page, photoTitle).count(), 1, "the photo is listed as the target's evidence");
    assert.equal(await card(page, voiceTitle).count(), 0, 'the recording is not evidence for that target');
    await checkAccessibility(page);

    // A text file named photo.jpg is refused, and nothing is added.
    await page.goto(portfolioPath);
    await addEvidence(page, {
      title: fakeTitle,
      reflection: 'This should not be kept.',
      file: { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('Just some notes, not a picture.\n') },
    });
    const alert = page.getByRole('alert');
    assert.equal(await alert.count(), 1, 'the refusal is announced');
    const problem = normalise(await alert.innerText());
    assert.match(problem, /There is a problem/);
    assert.match(problem, /labelled as a photo \(\.jpg\), but it is really a plain text file\./, problem);
    assert.match(problem, /Check that you chose the right file\./);
    await checkAccessibility(page);
    await page.goto(portfolioPath);
    assert.equal(await card(page, fakeTitle).count(), 0, 'the refused file is not in the portfolio');
    assert.ok(!(await mainText(page)).includes(fakeTitle), 'the refused title appears nowhere');
    await signOut(page);
  });
});

test('a pupil builds a showcase from two pieces of work and presents it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  await village.withPage(async (page) => {
    const record = await learnerPathOf(page, 'pupil');
    const stamp = Date.now();
    const drawing = { title: `Water cycle diagram (${stamp})`, caption: 'I drew this from memory.' };
    const story = { title: `The lighthouse keeper, a short story (${stamp})`, caption: 'My best opening paragraph yet.' };
    const showcaseTitle = `Work I am proud of this term (${stamp})`;
    const intro = 'Two pieces from science and English that show how I have grown.';

    await signIn(page, 'pupil');
    await clickAndLoad(page, page.getByRole('link', { name: 'My portfolio', exact: true }));
    const png = await canvasPng(page, { colours: ['#5694ca', '#ffffff', '#85994b'], word: 'rain' });
    await addEvidence(page, {
      title: drawing.title,
      reflection: 'Evaporation and condensation are the same water changing state.',
      how: 'drawing_writing',
      file: { name: 'water-cycle.png', mimeType: 'image/png', buffer: png },
    });
    assert.match(await mainText(page), /Added to the portfolio\./);
    await addEvidence(page, {
      title: story.title,
      reflection: 'Starting in the middle of the action makes the reader want to go on.',
      how: 'drawing_writing',
      body: 'The lamp had gone out for the first time in forty years, and Mara was the only one awake to see it.',
    });
    assert.match(await mainText(page), /Added to the portfolio\./);

    // The story first, then the drawing: the pupil's order, not the order they were added.
    await page.goto('/');
    await clickAndLoad(page, page.getByRole('link', { name: 'My showcases', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/showcases`);
    assert.match(await page.locator('h1').innerText(), /My showcases/);
    await checkAccessibility(page);
    await page.fill('#sc-title', showcaseTitle);
    await page.fill('#sc-intro', intro);
    for (const [order, piece] of [story, drawing].entries()) {
      const box = page.getByLabel(piece.title, { exact: true });
      await box.check();
      const id = await box.getAttribute('value');
      await page.fill(`#sc-o${id}`, String(order + 1));
      await page.fill(`#sc-c${id}`, piece.caption);
    }
    await clickAndLoad(page, page.getByRole('button', { name: 'Save and present', exact: true }));
    assert.match(new URL(page.url()).pathname, new RegExp(`^${record}/showcases/\\d+/present$`));

    // The title slide, then each piece in turn.
    const inView = (locator) =>
      locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
      });
    const titleHeading = page.locator('#slide-0 h1');
    assert.equal(normalise(await titleHeading.innerText()), showcaseTitle);
    assert.ok(await inView(titleHeading), 'the presentation opens on its title');
    assert.ok(normalise(await page.locator('#slide-0').innerText()).includes(intro), 'the title slide shows the introduction');
    await checkAccessibility(page);

    const slides = [
      { link: page.locator('#slide-0').getByRole('link', { name: 'Start', exact: true }), piece: story },
      { link: page.locator('#slide-1').getByRole('link', { name: 'Next', exact: true }), piece: drawing },
    ];
    for (const [i, { link, piece }] of slides.entries()) {
      await link.click();
      await page.waitForURL((url) => url.hash === `#slide-${i + 1}`);
      const heading = page.locator(`#slide-${i + 1} h2`);
      assert.equal(normalise(await heading.innerText()), piece.title, `slide ${i + 1} shows "${piece.title}"`);
      await page.waitForFunction(
        (el) => {
          const r = el.getBoundingClientRect();
          return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
        },
        await heading.elementHandle(),
        { timeout: 5_000 },
      );
      assert.ok(await heading.isVisible(), `slide ${i + 1}'s heading is visible`);
      const slideText = normalise(await page.locator(`#slide-${i + 1}`).innerText());
      assert.ok(slideText.includes(piece.caption), `slide ${i + 1} shows its caption: ${slideText}`);
    }
    const slideImg = page.locator('#slide-2 img');
    assert.equal(await slideImg.count(), 1, 'the drawing slide shows the picture');
    assert.ok((await loadedWidth(slideImg)) > 0, "the drawing's slide image loads");
    assert.ok(
      normalise(await page.locator('#slide-1').innerText()).includes('Mara was the only one awake'),
      "the story's slide shows the writing",
    );
    assert.equal(
      await page.locator('#slide-2').getByRole('link', { name: 'Next', exact: true }).count(),
      0,
      'the last slide has no Next',
    );
    await checkAccessibility(page);

    // Close goes back to the showcases, where this one is listed.
    await clickAndLoad(page, page.locator('#slide-2').getByRole('link', { name: 'Close', exact: true }));
    assert.equal(new URL(page.url()).pathname, `${record}/showcases`);
    const listed = page.locator('li', { has: page.locator('strong', { hasText: showcaseTitle }) });
    assert.equal(await listed.count(), 1, 'the new showcase is listed');
    assert.match(normalise(await listed.innerText()), /\(2 pieces\) · Present it/);
    await checkAccessibility(page);
    await signOut(page);
  });
});
