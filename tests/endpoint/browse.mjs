// Drives headless Chromium over the DevTools protocol, as a user would: opens URL, waits for the page to
// load, then runs STEPS (the body of an async function run in the page, with `wait(f)` to wait until
// f() is truthy) and prints what it returns as JSON.
//
//   node --experimental-websocket browse.mjs URL STEPS
//
// Chromium runs headless with a fresh profile and no network of its own beyond the URL (127.0.0.1).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, steps] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'policekg-chromium-'));
const browser = spawn(process.env.CHROMIUM || 'chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
browser.stderr.resume();
const sleep = ms => new Promise(r => setTimeout(r, ms));
// Chromium may still be writing its profile as it dies: removing the folder is retried, then left.
const done = code => {
  browser.kill('SIGKILL');
  try { rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch (e) { /* tmp */ }
  process.exit(code);
};
setTimeout(() => { console.error('browse.mjs: gave up after 90 s'); done(2); }, 90_000);

let port;
for (let i = 0; i < 300 && !port; i++) {
  const file = join(profile, 'DevToolsActivePort');
  if (existsSync(file)) port = readFileSync(file, 'utf8').split('\n')[0];
  else await sleep(100);
}
if (!port) { console.error('browse.mjs: Chromium did not start'); done(2); }
const target = await (await fetch(`http://127.0.0.1:${port}/json/new?about:blank`, { method: 'PUT' })).json();
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
let next = 0;
const pending = new Map();
const events = [];
ws.onmessage = m => {
  const msg = JSON.parse(m.data);
  if (msg.id !== undefined && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  else events.push(msg.method);
};
const send = (method, params = {}) => new Promise(resolve => {
  const id = ++next; pending.set(id, resolve); ws.send(JSON.stringify({ id, method, params }));
});
await send('Page.enable');
await send('Page.navigate', { url });
for (let i = 0; i < 300 && !events.includes('Page.loadEventFired'); i++) await sleep(100);
const expression = `(async () => {
  const wait = async f => { for (let i = 0; i < 200; i++) { const v = f(); if (v) return v; await new Promise(r => setTimeout(r, 100)); } return null; };
  ${steps}
})()`;
const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
if (r.result?.exceptionDetails) { console.error(JSON.stringify(r.result.exceptionDetails)); done(1); }
console.log(JSON.stringify(r.result?.result?.value ?? null));
done(0);
