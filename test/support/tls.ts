// TLS for tests: certificates made on the spot with the openssl CLI (a CA, a server certificate, a client
// certificate), and a TLS-terminating HTTP/2 proxy in front of the plaintext Temporal dev server, which stands in
// for Temporal Cloud or a secured cluster: it requires a client certificate signed by the CA (mTLS), records each
// call's headers (the API key arrives as `authorization`), and forwards every gRPC stream, trailers included.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface Certificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA and two certificates it signs, in `dir`: the server's for `names` (and 127.0.0.1), the client's. */
export function makeCertificates(dir: string, names: string[]): Certificates {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ar-dispute test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const sign = (name: string, subject: string, extensions: string) => {
    writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  const sans = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  sign('server', `/CN=${names[0]}`, `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n`);
  sign('client', '/CN=ar-dispute-client', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n');
  const file = (name: string) => path.join(dir, name);
  return { ca: file('ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key'), clientCert: file('client.pem'), clientKey: file('client.key') };
}

export interface SeenCall {
  path: string;
  authorization?: string;
  userAgent?: string;
  /** The CN of the client certificate its connection presented. */
  client?: string;
}

export interface TlsProxy {
  address: string;
  calls: SeenCall[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([':scheme', ':authority', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** Listens on 127.0.0.1 with TLS (client certificate required), forwarding to the h2c server at `upstream`. */
export async function startTlsProxy(upstream: string, certs: Certificates, read: (file: string) => Buffer): Promise<TlsProxy> {
  const calls: SeenCall[] = [];
  const server = http2.createSecureServer({
    key: read(certs.serverKey),
    cert: read(certs.serverCert),
    ca: read(certs.ca),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ['h2'],
  });
  const sessions = new Set<http2.ClientHttp2Session | http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // One upstream connection per downstream one, as a transparent proxy would.
    const up = http2.connect(`http://${upstream}`);
    sessions.add(up);
    up.on('error', () => session.destroy());
    up.on('close', () => sessions.delete(up));
    session.on('close', () => up.close());
    session.on('stream', (stream, headers) => {
      const socket = session.socket as TLSSocket;
      calls.push({
        path: String(headers[':path']),
        authorization: headers.authorization as string | undefined,
        userAgent: headers['user-agent'] as string | undefined,
        client: socket.getPeerCertificate?.()?.subject?.CN as string | undefined,
      });
      const forward: http2.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) forward[name] = value;
      const req = up.request(forward);
      stream.pipe(req);
      let trailers: http2.IncomingHttpHeaders | undefined;
      req.on('trailers', (t) => (trailers = t));
      req.on('response', (response, flags) => {
        const out: http2.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(response)) if (!HOP_BY_HOP.has(name)) out[name] = value;
        // A trailers-only answer (an error) carries its grpc-status in the headers and ends there.
        if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
          stream.respond(out, { endStream: true });
          return;
        }
        stream.respond(out, { waitForTrailers: true });
        stream.on('wantTrailers', () => {
          const send: http2.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(trailers ?? {})) if (!name.startsWith(':')) send[name] = value;
          stream.sendTrailers(send);
        });
        req.pipe(stream);
      });
      const abort = () => {
        if (!req.destroyed) req.close(http2.constants.NGHTTP2_CANCEL);
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      };
      req.on('error', abort);
      stream.on('error', abort);
      stream.on('close', () => !req.destroyed && req.close(http2.constants.NGHTTP2_CANCEL));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
