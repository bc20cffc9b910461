/**
 * One HTML page holding everything: the data, the script and the styles, nothing fetched.
 *
 * Safety: the data travels in a `<script type="application/json">` element, which the browser
 * never runs, with every `<` written as `\u003c` so no program output can close the element.
 * The page's Content-Security-Policy allows only the one script whose SHA-256 it names, so even
 * markup that slipped into the DOM could not run code; the page itself puts program output into
 * text nodes only.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../../util/text.js';
import { loadWebAssets, type WebAssets } from './assets.js';
import type { ReportData } from './format.js';

export interface PageOptions {
  /** What the page may connect to: nothing for a report, its own origin for the dashboard. */
  connect?: 'none' | 'self';
  assets?: WebAssets;
}

export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function buildPage(data: ReportData, opts: PageOptions = {}): string {
  const { js, css } = opts.assets ?? loadWebAssets();
  if (/<\/script/i.test(js)) throw new Error('web bundle contains </script and cannot be inlined');
  if (/<\/style/i.test(css)) throw new Error('web stylesheet contains </style and cannot be inlined');
  const hash = createHash('sha256').update(js).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    `connect-src ${opts.connect === 'self' ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<script type="application/json" id="mpheap-data">${embedJson(data)}</script>`,
    `<script>${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
