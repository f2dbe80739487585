// How every process reaches Temporal, from configuration alone: the API's Client connection and the worker's
// NativeConnection take the same options, so a secured cluster (mTLS), Temporal Cloud (an API key, or mTLS) or a
// plain dev server differ only in environment variables, never in code.
//
// The certificate, key and CA are files named by their paths (as Temporal's own samples and CLI take them): a
// secret mounted as a file can be mode 0600 and rotated in place, whereas PEM text in a variable is copied into every
// child's environment and shows in process listings. config.ts reads them at start-up, so a missing file stops the
// process naming its variable.
import type { TLSConfig } from '@temporalio/client';
import type { Config } from './config';

export type TemporalConnectionConfig = Pick<
  Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME'
>;

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  /** false: plaintext (a dev server); an object: TLS, with what the configuration adds to the system's roots. */
  tls: TLSConfig | false;
  apiKey?: string;
}

export function temporalConnectionOptions(config: TemporalConnectionConfig): TemporalConnectionOptions {
  const files = Boolean(config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_CA || config.TEMPORAL_TLS_SERVER_NAME);
  // An API key travels as a bearer header, so it implies TLS, unless told otherwise (a TLS-terminating sidecar).
  const useTls = config.TEMPORAL_TLS ?? (files || Boolean(config.TEMPORAL_API_KEY));
  const tls: TLSConfig = {
    ...(config.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME }),
    ...(config.TEMPORAL_TLS_CA && { serverRootCACertificate: config.TEMPORAL_TLS_CA.pem }),
    ...(config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY && { clientCertPair: { crt: config.TEMPORAL_TLS_CERT.pem, key: config.TEMPORAL_TLS_KEY.pem } }),
  };
  return {
    address: config.TEMPORAL_ADDRESS,
    tls: useTls ? tls : false,
    ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
  };
}

/** For log lines: where and how, never the key. */
export function describeTemporalConnection(options: TemporalConnectionOptions): Record<string, unknown> {
  return {
    address: options.address,
    tls: options.tls === false ? false : { mtls: Boolean(options.tls.clientCertPair), ca: Boolean(options.tls.serverRootCACertificate) },
    apiKey: Boolean(options.apiKey),
  };
}
