/**
 * uPlot, read from its installed package at run time and inlined into every report, so a report opens with no
 * network at all. Resolved relative to this module: from src/ under tsx and from dist/ in the bundle, both
 * find the project's node_modules (the bundle ships with node_modules already, for piscina).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ChartAssets {
  js: string;
  css: string;
  version: string;
}

let cached: ChartAssets | null = null;

export function chartAssets(): ChartAssets {
  if (cached) return cached;
  const resolver = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(resolver.resolve('uplot/package.json'));
  } catch {
    throw new Error('the uplot package is not installed; run npm install (HTML reports inline it)');
  }
  const js = readFileSync(path.join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(path.join(dir, 'dist', 'uPlot.min.css'), 'utf8');
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  // Inlined inside <script>: a literal "</script" would end the element early.
  if (/<\/script/i.test(js)) throw new Error('uPlot bundle contains "</script"; it cannot be inlined safely');
  cached = { js, css, version };
  return cached;
}
