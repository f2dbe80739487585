// The web UI built from web/src once per jest run, whichever test file asks first (the browser tests serve it, the
// clones of `npm start` find it where `npm install` would have put it): a build takes seconds of both cores, and
// every file would otherwise make its own. It lives in the run's temp folder (global-setup.ts), gone at teardown.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** The folder of this run's web build (index.html and assets/), built now if no test file has built it yet. */
export async function webBuild(): Promise<string> {
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (!bundle) throw new Error('TEST_WORKFLOW_BUNDLE is not set: run the tests with jest (test/support/global-setup.ts)');
  const dir = path.join(path.dirname(bundle), 'web');
  const lock = `${dir}.building`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (existsSync(path.join(dir, 'index.html'))) return dir;
    // mkdir is atomic: one test process builds, the others wait for its rename.
    const mine = await mkdir(lock).then(
      () => true,
      () => false,
    );
    if (mine) break;
    if (Date.now() > deadline) throw new Error(`no web build appeared in ${dir} (${lock} held too long)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    const out = `${dir}.tmp`;
    await run(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.mts', '--outDir', out, '--emptyOutDir'], {
      cwd: ROOT,
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(out, dir);
    return dir;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
