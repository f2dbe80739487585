// Whether a TCP port can be listened on, checked before anything is started so that a port in use is one clear
// sentence instead of a server dying half-way through the start.
import net from 'node:net';
import { StartFailure } from './start-failure';

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE' && err.code !== 'EACCES'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Free on the loopback address and on every interface: the API listens on all of them, and a server bound to
 * 0.0.0.0 or :: holds the port for 127.0.0.1 too. (An address family the machine lacks does not count as busy.)
 */
export async function portIsFree(port: number): Promise<boolean> {
  return (await canListen(port, '127.0.0.1')) && (await canListen(port, '::'));
}

/** Throws the one line a person reads when `port` is taken: what wanted it and what to do. */
export async function requireFreePort(port: number, what: string, remedy: string): Promise<void> {
  if (!(await portIsFree(port))) throw new StartFailure(`port ${port} (${what}) is already in use: ${remedy}`);
}
