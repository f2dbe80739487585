// Every command's options, read by node:util's parseArgs: an unknown or malformed option is one line and the usage
// (exit code 2), --help the usage alone.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Config = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'>;

export function commandLine<const T extends Config>(usage: string, config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  try {
    return parseArgs({ ...config, strict: true });
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: ${usage}`);
    process.exit(2);
  }
}

/** A positive number from an option's text, or the usage and exit code 2. */
export function positive(name: string, text: string | undefined, fallback: number, usage: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number\nusage: ${usage}`);
    process.exit(2);
  }
  return n;
}
