/**
 * The HTML reports in a real headless Chromium (Debian's chromium, driven by playwright-core): they open from
 * file:// with no other request at all, raise no script error or CSP violation, and every chart draws: a
 * non-blank canvas, the expected series in its legend, and pixels in each key series' own colour (so a series
 * that silently drew nothing fails). Scenario text with markup is shown as text, not run.
 *
 * Chromium missing is a failure, not a skip: CI installs it (.ci/run), and a skipped browser test would let a
 * broken report through.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { runCli } from './helpers.ts';

const CHROMIUM = process.env.CASCADESIM_CHROMIUM ?? '/usr/bin/chromium';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-html-'));
const SMALL = ['--set', 'clients.count=20000', '--set', 'durationS=900'];
const EVIL = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">';
const files = {
  legacy: path.join(tmp, 'legacy.msgpack'),
  fenced: path.join(tmp, 'fenced.msgpack'),
  legacyHtml: path.join(tmp, 'legacy.html'),
  awsHtml: path.join(tmp, 'aws.html'),
  compareHtml: path.join(tmp, 'compare.html'),
};
let browser: BrowserContext;

interface ChartInfo {
  id: string;
  labels: string[];
  width: number;
  height: number;
  /** Share of canvas pixels that are not the white/transparent background. */
  inkShare: number;
  /** Pixels close to each series' colour, by label. */
  colorPixels: Record<string, number>;
  markerPixels: number;
  /** Non-null points per series, by label. */
  points: Record<string, number>;
}

interface PageReport {
  requests: string[];
  errors: string[];
  cspViolations: string[];
  charts: ChartInfo[];
  pwned: unknown;
  text: string;
}

/**
 * Runs in the page: for each chart, its series labels and points, the share of non-background pixels, and the
 * pixels in each series' colour (from the page's own chart data) and in the trigger marker's colour.
 */
const INSPECT = `(() => {
  const spec = JSON.parse(document.getElementById('cascadesim-data').textContent);
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const near = (d, i, c) => d[i + 3] > 200 && Math.abs(d[i] - c[0]) + Math.abs(d[i + 1] - c[1]) + Math.abs(d[i + 2] - c[2]) <= 40;
  const count = (d, c) => { let n = 0; for (let i = 0; i < d.length; i += 4) if (near(d, i, c)) n++; return n; };
  const charts = window.cascadesimCharts.map(({ id, plot }) => {
    const canvas = plot.ctx.canvas;
    const d = plot.ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 720) ink++;
    const colorPixels = {};
    const points = {};
    const s = spec.charts.find((c) => c.id === id);
    s.series.forEach((ser, k) => {
      colorPixels[ser.label] = count(d, rgb(ser.color));
      points[ser.label] = plot.data[k + 1].filter((v) => v !== null).length;
    });
    return {
      id,
      labels: plot.series.slice(1).map((x) => x.label),
      width: canvas.width,
      height: canvas.height,
      inkShare: ink / (canvas.width * canvas.height),
      colorPixels,
      markerPixels: count(d, rgb('#b00020')),
      points,
    };
  });
  return { charts, cspViolations: window.cspViolations, pwned: window.pwned, text: document.body.innerText };
})()`;

async function openReport(file: string): Promise<PageReport> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(`window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`);
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction('window.cascadesimCharts !== undefined', null, { timeout: 10_000 });
  // A string, not a function: tsx compiles test functions with helpers (__name) that do not exist in the page.
  const result = (await page.evaluate(INSPECT)) as Omit<PageReport, 'requests' | 'errors'>;
  await page.close();
  return { requests, errors, ...result };
}

function chart(p: PageReport, id: string): ChartInfo {
  const c = p.charts.find((x) => x.id === id);
  assert.ok(c, `chart ${id} in ${p.charts.map((x) => x.id).join(', ')}`);
  return c;
}

function assertDrawn(c: ChartInfo, labels: string[]): void {
  assert.ok(c.width > 400 && c.height > 150, `${c.id} canvas ${c.width}x${c.height}`);
  assert.ok(c.inkShare > 0.01, `${c.id} canvas is blank (${c.inkShare})`);
  for (const l of labels) {
    assert.ok(c.labels.includes(l), `${c.id}: series ${l} in ${c.labels.join(', ')}`);
    assert.ok(c.points[l] > 0, `${c.id}: series ${l} has no points`);
    // Anti-aliased marker labels put up to ~50 pixels near some palette colours; a drawn 2 px series has hundreds.
    assert.ok(c.colorPixels[l] > 100, `${c.id}: series ${l} drew ${c.colorPixels[l]} pixels in its colour`);
  }
}

function assertOffline(p: PageReport, file: string): void {
  assert.deepEqual(p.requests, [pathToFileURL(file).href], 'the report made a request besides loading itself');
  assert.deepEqual(p.errors, [], 'script errors');
  assert.deepEqual(p.cspViolations, [], 'something tried to load despite the CSP');
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CASCADESIM_CHROMIUM`);
  }
  const runs = await Promise.all([
    runCli(['run', 'dns-race', ...SMALL, '--set', `description=${EVIL}`, '--out', files.legacy, '--html', files.legacyHtml, '--quiet']),
    runCli(['run', 'dns-race', ...SMALL, '--set', 'dns.protocol=fenced', '--out', files.fenced, '--quiet']),
    runCli([
      'run',
      'aws-2025-10-20',
      '--set',
      'clients.count=10000',
      '--set',
      'durationS=14400',
      '--set',
      'ec2.droplets=100000',
      '--html',
      files.awsHtml,
      '--quiet',
    ]),
  ]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const c = await runCli(['compare', files.legacy, files.fenced, '--html', files.compareHtml]);
  assert.equal(c.code, 0, c.stderr);
  browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'cascadesim-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('HTML report in Chromium', () => {
  it('dns-race: opens offline, draws every chart with its series, the phases and the markers', async () => {
    const p = await openReport(files.legacyHtml);
    assertOffline(p, files.legacyHtml);
    assert.deepEqual(
      p.charts.map((c) => c.id),
      ['request-rate', 'error-rate', 'latency', 'amplification'],
    );
    assertDrawn(chart(p, 'request-rate'), ['requests/s', 'attempts/s', 'goodput/s']);
    assertDrawn(chart(p, 'error-rate'), ['dns-empty', 'failed requests']);
    assert.deepEqual(chart(p, 'error-rate').labels, ['dns-empty', 'connect', 'timeout', 'throttled', 'failed requests']);
    assertDrawn(chart(p, 'latency'), ['p50', 'p99', 'max']);
    assertDrawn(chart(p, 'amplification'), ['attempts/request']);
    for (const c of p.charts) assert.ok(c.markerPixels > 50, `${c.id}: the trigger marker is not drawn (${c.markerPixels} pixels)`);
    for (const s of [
      'race: dynamodb.us-east-1.amazonaws.com empty',
      'first violation',
      'By phase',
      'Scenario as run',
      'protocol: legacy',
      'seed 1',
    ]) {
      assert.ok(p.text.includes(s), `page text has ${s}`);
    }
  });

  it('shows scenario text with markup as text and never runs it', async () => {
    const p = await openReport(files.legacyHtml);
    assert.equal(p.pwned, undefined);
    assert.ok(p.text.includes(EVIL), 'the description is shown verbatim');
  });

  it('aws-2025-10-20: the EC2 charts (lease backlog, propagation delay, NLB errors) and the incident timeline', async () => {
    const p = await openReport(files.awsHtml);
    assertOffline(p, files.awsHtml);
    assertDrawn(chart(p, 'lease-backlog'), ['lease backlog (queued attempts)', 'leases lost']);
    assertDrawn(chart(p, 'propagation-delay'), ['delay p99']);
    assertDrawn(chart(p, 'nlb-errors'), ['NLB error rate']);
    assertDrawn(chart(p, 'request-rate'), ['requests/s']);
    for (const s of ['Incident timeline: simulated vs AWS', 'dynamodb-errors-end', 'EC2 summary', 'operators: dns-repair'])
      assert.ok(p.text.includes(s), s);
  });

  it('compare: both runs on the same charts, each series drawn', async () => {
    const p = await openReport(files.compareHtml);
    assertOffline(p, files.compareHtml);
    const rate = chart(p, 'request-rate');
    assertDrawn(rate, ['legacy: requests/s', 'legacy: goodput/s']);
    for (const l of ['fenced: requests/s', 'fenced: attempts/s', 'fenced: goodput/s']) assert.ok(rate.points[l] > 80, l);
    assertDrawn(chart(p, 'error-rate'), ['legacy: dns-empty', 'legacy: failed requests']);
    assert.ok(chart(p, 'latency').labels.includes('fenced: p99'));
    assert.ok(p.text.includes('dns.protocol'));
  });
});
