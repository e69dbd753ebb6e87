// Walk Swagger UI as an operator would: node walk.mjs [baseUrl] [shotDir]
// baseUrl: where the service (or a proxy in front of it) is opened, with its trailing slash.
// Needs: apt-get install chromium; in this folder, npm install --no-save puppeteer-core (git ignores
// its node_modules). docs/testing.md, "Swagger UI in a browser".
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const BASE = process.argv[2] || 'http://localhost:8080/';
const SHOTS = process.argv[3] || path.join(os.tmpdir(), 'swagger-ui-walk');
const TOKEN = process.env.TOKEN || 'pt2cache-local-admin-token';
const FIXTURE = process.env.FIXTURE ||
  path.join(REPO, 'src/test/resources/fixtures/pt2/mega_gpt2_default.bin');
const NS = process.env.NS || 'team-a';
fs.mkdirSync(SHOTS, { recursive: true });

const bytes = fs.readFileSync(FIXTURE);
const sha = crypto.createHash('sha256').update(bytes).digest('hex');
const log = [];
const results = [];
const note = (...a) => { const s = a.join(' '); log.push(s); console.log(s); };

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--window-size=1400,1000'],
  defaultViewport: { width: 1400, height: 1000 },
});
const page = await browser.newPage();
page.on('console', (m) => note(`[console.${m.type()}]`, m.text()));
page.on('pageerror', (e) => note('[pageerror]', e.message));
page.on('requestfailed', (r) => note('[requestfailed]', r.method(), r.url(), r.failure()?.errorText));
page.on('request', (r) => {
  if (r.url().includes('/v1/')) note('[request]', r.method(), r.url(), 'auth=' + (r.headers()['authorization'] ? 'Bearer …' : 'none'),
    'ct=' + (r.headers()['content-type'] || '-'));
});
page.on('response', (r) => note('[response]', r.status(), r.request().method(), r.url(),
  'ct=' + (r.headers()['content-type'] || '-'), r.headers()['content-security-policy'] ? 'CSP=' + r.headers()['content-security-policy'] : ''));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const shot = async (name, el) => {
  const p = `${SHOTS}/${name}.png`;
  if (el) await el.screenshot({ path: p }); else await page.screenshot({ path: p, fullPage: false });
  return p;
};

// React-controlled inputs: set through the native setter, then an input event
async function setValue(handle, value) {
  await handle.evaluate((el, v) => {
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype
      : el.tagName === 'SELECT' ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
    el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  }, value);
}

async function open(tag, opId) {
  const sel = `#operations-${tag}-${opId}`;
  const op = await page.waitForSelector(sel, { timeout: 10000 });
  const isOpen = await op.evaluate((e) => e.classList.contains('is-open'));
  if (!isOpen) { await (await op.$('.opblock-summary-control, .opblock-summary')).click(); }
  await page.waitForSelector(`${sel} .opblock-body`, { timeout: 10000 });
  const tryBtn = await op.$('.try-out__btn');
  const label = tryBtn && await tryBtn.evaluate((e) => e.textContent.trim());
  if (tryBtn && label === 'Try it out') await tryBtn.click();
  await sleep(300);
  return op;
}

async function param(op, name, value) {
  const row = await op.$(`tr[data-param-name="${name}"]`);
  if (!row) throw new Error(`no parameter ${name}`);
  const sel = await row.$('select');
  if (sel) return setValue(sel, value);
  const input = await row.$('input');
  await input.click({ clickCount: 3 });
  await page.keyboard.down('Control'); await page.keyboard.press('KeyA'); await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await input.type(String(value));
}

async function body(op, text) {
  const ta = await op.$('textarea.body-param__text');
  await setValue(ta, typeof text === 'string' ? text : JSON.stringify(text, null, 2));
}

async function execute(op, name) {
  const before = await op.$$eval('.live-responses-table', (t) => t.length);
  await (await op.$('.execute')).click();
  await op.waitForSelector('.live-responses-table .response-col_status', { timeout: 20000 });
  await sleep(700);
  const r = await op.evaluate((o) => {
    const row = o.querySelector('.live-responses-table tbody tr.response');
    const status = row?.querySelector('.response-col_status')?.textContent.trim();
    const desc = row?.querySelector('.response-col_description');
    let body = null, headers = null, download = null;
    for (const h of desc ? desc.querySelectorAll('h5') : []) {
      const box = h.parentElement;
      if (h.textContent.trim() === 'Response body') {
        body = box.querySelector('pre')?.textContent ?? null;
        const a = box.querySelector('a[download], a[href^="blob:"]');
        if (a) download = { href: a.href, name: a.getAttribute('download'), text: a.textContent.trim() };
      }
      if (h.textContent.trim() === 'Response headers') headers = box.querySelector('pre')?.textContent;
    }
    const url = o.querySelector('.request-url pre')?.textContent;
    const curl = o.querySelector('.curl-command pre, .curl')?.textContent;
    return { status, body, headers, download, url, curl, all: desc?.textContent.slice(0, 600) };
  });
  await op.evaluate((o) => o.querySelector('.live-responses-table')?.scrollIntoView());
  // the part an operator reads: the request sent (curl, URL) and the server's response
  const clip = await op.evaluate((o) => {
    const top = (o.querySelector('.curl-command') || o.querySelector('.request-url') || o).getBoundingClientRect();
    const bottom = o.querySelector('.live-responses-table').getBoundingClientRect();
    return { x: 0, y: top.top + window.scrollY - 40, width: 1400, height: bottom.bottom - top.top + 50 };
  });
  r.shot = `${SHOTS}/${name}.png`;
  await page.screenshot({ path: r.shot, clip, captureBeyondViewport: true });
  results.push({ name, ...r });
  note(`== ${name}: ${r.status} ${r.url}\n   headers: ${(r.headers || '').replace(/\s+/g, ' ').slice(0, 400)}\n   body: ${(r.body || r.all || '').replace(/\s+/g, ' ').slice(0, 400)}`);
  return r;
}

async function clearResponse(op) {
  const c = await op.$('.btn-clear');
  if (c) await c.click();
  await sleep(200);
}

const json = (r) => { try { return JSON.parse(r.body); } catch { return null; } };

// 1. the page
await page.goto(BASE, { waitUntil: 'networkidle0' });
note('landed on', page.url());
await page.waitForSelector('.information-container .title', { timeout: 15000 });
const title = await page.$eval('.information-container .title', (e) => e.textContent.trim());
const tags = await page.$$eval('.opblock-tag-section', (s) => s.map((x) => ({
  tag: x.querySelector('.opblock-tag')?.getAttribute('data-tag'),
  ops: [...x.querySelectorAll('.opblock')].map((o) => o.id.replace(/^operations-[^-]+-/, '')),
})));
note('title:', title);
for (const t of tags) note('tag', t.tag, t.ops.length, t.ops.join(','));
await shot('01-page');
await page.screenshot({ path: `${SHOTS}/01-page-full.png`, fullPage: true });

// 2. without Authorize: a 401
{
  const op = await open('namespaces', 'listNamespaces');
  await execute(op, '02-no-auth-401');
  await clearResponse(op);
}

// 3. Authorize
await (await page.$('.auth-wrapper .authorize')).click();
await page.waitForSelector('.modal-ux input', { timeout: 5000 });
await page.type('.modal-ux input', TOKEN);
await shot('03-authorize-dialog');
await (await page.$('.modal-ux .auth-btn-wrapper .authorize')).click();
await sleep(300);
await shot('03-authorized');
await (await page.$('.modal-ux .btn-done, .modal-ux .close-modal')).click();
await sleep(300);

// 4. namespace: unknown (404), create, malformed body (400)
{
  const op = await open('namespaces', 'getNamespace');
  await param(op, 'namespace', NS + '-missing');
  await execute(op, '04-unknown-namespace-404');
}
{
  const op = await open('namespaces', 'putNamespace');
  await param(op, 'namespace', NS);
  await execute(op, '05-put-namespace');
  await clearResponse(op);
  await body(op, '{"maxIdleDays": 30, "colour": "blue"}');
  await execute(op, '06-put-namespace-malformed-400');
  await clearResponse(op);
  await body(op, '{"maxIdleDays": ');
  await execute(op, '06b-put-namespace-not-json-400');
}
{
  const op = await open('namespaces', 'listNamespaces');
  await execute(op, '07-list-namespaces');
}

// 5. lookup: a miss
const lookupBody = (mode) => ({ kind: 'mega-cache', descriptor: {
  model: { name: 'gpt2', version: '1' },
  software: { torch: '2.11.0+cu130', triton: '3.6.0', cuda: '13.0', python: '3.12.3' },
  hardware: { gpu: 'NVIDIA H100 80GB HBM3', capability: '9.0' },
  compile: { backend: 'inductor', mode } } });
{
  const op = await open('lookups', 'lookup');
  await param(op, 'namespace', NS);
  await body(op, lookupBody('default'));
  await execute(op, '08-lookup-miss');
}

// 6. declare, PUT the content (a file), download it
let artifactId;
{
  const op = await open('artifacts', 'createArtifact');
  await param(op, 'namespace', NS);
  await body(op, { kind: 'mega-cache', sha256: sha, sizeBytes: bytes.length, descriptor: lookupBody('default').descriptor });
  const r = await execute(op, '09-declare-upload');
  artifactId = json(r)?.id;
  note('artifact', artifactId, 'sha', sha, 'size', bytes.length);
}
{
  const op = await open('artifacts', 'uploadContent');
  await param(op, 'namespace', NS);
  await param(op, 'artifactId', artifactId);
  const file = await op.$('input[type=file]');
  note('file input offered:', !!file);
  if (file) await file.uploadFile(FIXTURE);
  await execute(op, '10-put-content');
}
// the wrong bytes for a declaration: a 422 problem, and the reservation stays pending
const small = path.join(SHOTS, 'entry.bin');
fs.writeFileSync(small, Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255]));
{
  const op = await open('artifacts', 'createArtifact');
  await clearResponse(op);
  await body(op, { kind: 'mega-cache', sha256: sha, sizeBytes: bytes.length, descriptor: lookupBody('max-autotune').descriptor });
  const r = await execute(op, '10b-declare-another');
  const other = json(r)?.id;
  const put = await open('artifacts', 'uploadContent');
  await clearResponse(put);
  await param(put, 'artifactId', other);
  await (await put.$('input[type=file]')).uploadFile(small);
  await execute(put, '10c-put-wrong-bytes-422');
}
{
  const op = await open('lookups', 'lookup');
  await clearResponse(op);
  await execute(op, '11-lookup-hit');
}
{
  const op = await open('artifacts', 'downloadContent');
  await param(op, 'namespace', NS);
  await param(op, 'artifactId', artifactId);
  const r = await execute(op, '12-download');
  if (r.download) {
    const got = await page.evaluate(async (href) => {
      const b = await (await fetch(href)).arrayBuffer();
      const d = await crypto.subtle.digest('SHA-256', b);
      return { size: b.byteLength, sha: [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, '0')).join('') };
    }, r.download.href);
    note('download link', r.download.name, r.download.text, 'size', got.size, 'sha matches:', got.sha === sha);
  } else note('no download link offered');
}
{
  const op = await open('artifacts', 'headContent');
  await param(op, 'namespace', NS);
  await param(op, 'artifactId', artifactId);
  await execute(op, '12b-head');
}

// 7. list with filters
{
  const op = await open('artifacts', 'listArtifacts');
  await param(op, 'namespace', NS);
  await param(op, 'kind', 'mega-cache');
  await param(op, 'state', 'ready');
  await param(op, 'modelName', 'gpt2');
  await execute(op, '13-list-filtered');
}

// 8. invalidate (blocking) and lift
let invId;
{
  const op = await open('invalidations', 'invalidate');
  await param(op, 'namespace', NS);
  await body(op, { selector: { modelName: 'gpt2', modelVersion: '1', kind: 'mega-cache' }, reason: 'retrained', block: true });
  const r = await execute(op, '14-invalidate');
  invId = json(r)?.id;
}
{
  const op = await open('artifacts', 'downloadContent');
  await clearResponse(op);
  await execute(op, '15-download-invalidated-410');
}
{
  const op = await open('invalidations', 'liftRule');
  await param(op, 'namespace', NS);
  await param(op, 'invalidationId', invId);
  await execute(op, '16-lift');
}
{
  const op = await open('invalidations', 'listInvalidations');
  await param(op, 'namespace', NS);
  await execute(op, '17-list-invalidations');
}

// 9. tokens
let tokenId;
{
  const op = await open('tokens', 'createToken');
  await body(op, { name: 'walk-fleet-' + Date.now(), namespace: NS, role: 'read' });
  const r = await execute(op, '18-create-token');
  tokenId = json(r)?.id;
}
{
  const op = await open('tokens', 'listTokens');
  await execute(op, '19-list-tokens');
}
{
  const op = await open('tokens', 'revokeToken');
  await param(op, 'tokenId', tokenId);
  await execute(op, '20-revoke-token');
}

// 10. housekeeping
{
  const op = await open('housekeeping', 'runJob');
  await param(op, 'job', 'purge');
  await execute(op, '21-run-purge');
}
{
  const op = await open('housekeeping', 'listJobRuns');
  await execute(op, '22-list-runs');
}

// 11. entries
const ekey = 'fxgraph-walk-' + Date.now();
const smallSha = crypto.createHash('sha256').update(fs.readFileSync(small)).digest('hex');
{
  const op = await open('entries', 'putEntry');
  await param(op, 'namespace', NS);
  await param(op, 'kind', 'fx-graph');
  await param(op, 'key', ekey);
  await param(op, 'X-Content-SHA256', smallSha);
  const file = await op.$('input[type=file]');
  if (file) await file.uploadFile(small);
  await execute(op, '23-put-entry');
}
{
  const op = await open('entries', 'getEntry');
  await param(op, 'namespace', NS);
  await param(op, 'kind', 'fx-graph');
  await param(op, 'key', ekey);
  const r = await execute(op, '24-get-entry');
  if (r.download) {
    const got = await page.evaluate(async (href) => {
      const b = await (await fetch(href)).arrayBuffer();
      return [...new Uint8Array(b)];
    }, r.download.href);
    note('entry download', r.download.name, JSON.stringify(got));
  }
}

fs.writeFileSync(`${SHOTS}/results.json`, JSON.stringify(results, null, 2));
fs.writeFileSync(`${SHOTS}/log.txt`, log.join('\n'));
await browser.close();
