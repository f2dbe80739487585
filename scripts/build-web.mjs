// Builds the web UI (web/src → web/dist, which the API serves at `/`). The one way it is built: `npm install`
// (postinstall) runs it always, `npm start` with --if-stale, which skips the build when web/dist is newer than
// every source of it. Plain Node, so it runs wherever npm does.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const builtIndex = path.join(web, 'dist', 'index.html');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
// What the build reads: a change to any of them makes web/dist stale. The lockfile stands for the libraries.
const sources = [path.join(web, 'src'), path.join(web, 'index.html'), path.join(web, 'vite.config.mts'), path.join(root, 'package-lock.json')];

function newestChange(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((newest, name) => Math.max(newest, newestChange(path.join(file, name))), stat.mtimeMs);
}

function isStale() {
  if (!fs.existsSync(builtIndex)) return true;
  const built = fs.statSync(builtIndex).mtimeMs;
  return sources.some((source) => newestChange(source) > built);
}

const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean', default: false } } });
if (values['if-stale'] && !isStale()) process.exit(0);

const started = Date.now();
const result = spawnSync(process.execPath, [vite, 'build', '--config', path.join(web, 'vite.config.mts')], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error(`[build-web] the web UI did not build (exit ${result.status ?? result.signal})`);
  process.exit(result.status ?? 1);
}
console.log(`[build-web] web/dist built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
