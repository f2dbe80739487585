// Keep the Temporal SDK's own logs to warnings in tests, so failures are readable.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
