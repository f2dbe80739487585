// Keep the Temporal SDK's own logs to warnings, and its native core's to errors, in tests, so failures are readable:
// the core warns about every workflow task the deliberately reordered workflow fails in the replay test.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
