// Runs every browser journey with node's test runner against one Village demo
// server started from the release binary, then stops the server.
//
//   node tests/browser/run.mjs [extra node --test arguments]
//
// Each *.test.mjs file can also be run on its own with `node --test FILE`; it then
// starts a server of its own.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join(here, f));

let server;
try {
  server = await startServer();
} catch (err) {
  console.error(`Could not start the Village demo server for the browser tests:\n${err.message}`);
  process.exit(1);
}
console.log(`Village demo server ready at ${server.baseURL}`);

const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...files],
  { stdio: 'inherit', env: { ...process.env, VILLAGE_BASE_URL: server.baseURL } },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
await server.stop();
process.exitCode = code ?? (signal ? 1 : 0);
