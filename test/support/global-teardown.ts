import { rm } from 'node:fs/promises';
import { INFRA_KEY, SIGNALS, type TestInfrastructure } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as Record<string, unknown>)[INFRA_KEY] as TestInfrastructure | undefined;
  if (!infra) return;
  await Promise.all([
    infra.stack?.stop(),
    infra.bundleDir && rm(infra.bundleDir, { recursive: true, force: true }),
  ]);
  for (const signal of SIGNALS) process.removeListener(signal, infra.onSignal);
  delete (globalThis as Record<string, unknown>)[INFRA_KEY];
}
