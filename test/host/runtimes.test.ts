/**
 * The wire layer outside Node: test/host/portable-check.ts bundled for the browser (esbuild, which
 * refuses any `node:` import on that platform) and run in headless Chromium and in Deno. Each
 * must take the portable path of src/host, complete the handshake and frame checks, and agree
 * with Node byte for byte on the deterministic outputs.
 *
 * Chromium comes from the system (Debian's `chromium` package; .ci/run installs it). A missing
 * browser fails this test: it is not skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, type PortableCheck } from './portable-check.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DENO = path.resolve('node_modules/.bin/deno');
const run = promisify(execFile);

let bundle = '';
let bundledInputs: string[] = [];
const onNode = check();

beforeAll(async () => {
  const result = await build({
    stdin: {
      contents: `import { check } from './test/host/portable-check.ts';
try { globalThis.portableCheckResult = check(); } catch (error) { globalThis.portableCheckResult = { error: String(error?.stack ?? error) }; }`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
  bundledInputs = Object.keys(result.metafile.inputs);
});

function expectPortableAndAgreeing(result: PortableCheck | { error: string }): void {
  expect(result).not.toHaveProperty('error');
  const got = result as PortableCheck;
  expect(got.host).toBe('portable');
  expect(got.frames).toEqual(onNode.frames);
  expect(got.handshake).toEqual({ clientToServer: true, serverToClient: true, tamperedRefused: true, bulkRoundTrip: true });
  expect(got.fixed).toEqual(onNode.fixed);
}

describe('the bundle', () => {
  it('holds the wire layer and pure-JS packages only', () => {
    expect(onNode.host).toBe('node');
    expect(onNode.handshake).toEqual({ clientToServer: true, serverToClient: true, tamperedRefused: true, bulkRoundTrip: true });
    const outside = bundledInputs.filter((input) => !/^(src\/(codec|framing|messages|noise|bitcoin|host)\/|test\/host\/portable-check\.ts$|node_modules\/@(noble|scure)\/|<stdin>)/.test(input));
    expect(outside).toEqual([]);
    expect(bundledInputs.some((input) => input.startsWith('src/noise/'))).toBe(true);
  });
});

describe('headless Chromium', () => {
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('encodes and decodes frames, runs a Noise NX handshake and encrypts frames, agreeing with Node', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.setContent('<!doctype html><title>portable check</title>');
    await page.addScriptTag({ type: 'module', content: bundle });
    await page.waitForFunction(() => 'portableCheckResult' in globalThis);
    const result = await page.evaluate(() => (globalThis as { portableCheckResult?: unknown }).portableCheckResult);
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expectPortableAndAgreeing(result as PortableCheck);
  });
});

describe('Deno', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sv2-deno-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the same bundle with no permissions, agreeing with Node', async () => {
    const file = path.join(dir, 'check.mjs');
    writeFileSync(file, `${bundle}\nconsole.log(JSON.stringify(globalThis.portableCheckResult));\n`);
    const { stdout } = await run(DENO, ['run', '--quiet', '--no-config', '--no-lock', '--no-prompt', file], { env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    expectPortableAndAgreeing(JSON.parse(stdout) as PortableCheck);
  });
});
