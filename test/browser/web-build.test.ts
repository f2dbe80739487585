// The web UI builds into static files the API can serve from any path (its type-check is in `npm test`'s script:
// web/ has its own tsconfig).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { webBuild } from '../support/web-build';

jest.setTimeout(120_000);

it('builds an index.html whose scripts and styles load relative to it, none of them inline', async () => {
  const dir = await webBuild();
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  // The API's Content-Security-Policy (api/security-headers.ts) allows no inline script, style or handler.
  expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((tag) => !/\bsrc=/.test(tag))).toEqual([]);
  expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  const assets = [...html.matchAll(/(?:src|href)="(\.\/assets\/[^"]+)"/g)].map((m) => m[1]);
  expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
  expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
  const sizes = await Promise.all(assets.map(async (asset) => ({ asset, bytes: (await stat(path.join(dir, asset))).size })));
  expect(sizes.filter((s) => s.bytes === 0)).toEqual([]);
});
