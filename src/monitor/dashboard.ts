/**
 * The dashboard's files: the page's own (src/monitor/dashboard/, copied beside the compiled
 * module by `npm run build`) and the browser builds of its libraries, read from the installed
 * packages. Everything is read once, when a monitor with a dashboard starts, and served from
 * memory; nothing comes from anywhere else at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type DashboardRole = 'pool' | 'translator' | 'template-provider' | 'proxy' | 'jd-client';

export interface Asset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** URL path → [package, file in the folder of its entry point] for each library the page loads (see index.html). */
const VENDOR: Record<string, [string, string]> = {
  '/vendor/uplot.js': ['uplot', 'uPlot.iife.min.js'],
  '/vendor/uplot.css': ['uplot', 'uPlot.min.css'],
  '/vendor/preact.js': ['preact', 'preact.mjs'],
  '/vendor/preact-hooks.js': ['preact/hooks', 'hooks.mjs'],
  '/vendor/htm.js': ['htm', 'htm.mjs'],
};

/** The page's own folder: beside this module, in src/ (tsx, tests) and in dist/ (the build copies it). */
export const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard');

/** Every file the dashboard of `role` needs, by URL path; `/` is the page itself. */
export function dashboardAssets(role: DashboardRole, dir = DASHBOARD_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const typeOf = (file: string): string => TYPES[path.extname(file)] ?? 'application/octet-stream';
  for (const name of readdirSync(dir)) {
    if (!(path.extname(name) in TYPES)) continue;
    assets.set(`/dashboard/${name}`, { type: typeOf(name), body: readFileSync(path.join(dir, name)) });
  }
  const index = assets.get('/dashboard/index.html');
  if (index === undefined) throw new Error(`no index.html in ${dir}`);
  assets.set('/', { type: index.type, body: Buffer.from(index.body.toString('utf8').replace('data-role="pool"', `data-role="${role}"`)) });
  const require = createRequire(import.meta.url);
  for (const [url, [pkg, name]] of Object.entries(VENDOR)) {
    const file = path.join(path.dirname(require.resolve(pkg)), name);
    assets.set(url, { type: typeOf(url), body: readFileSync(file) });
  }
  return assets;
}
