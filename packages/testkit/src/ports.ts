import { createServer } from 'node:net';

/**
 * A port that was free on 127.0.0.1 a moment ago: for a URL nothing is meant to answer, or for a
 * program that cannot listen on port 0 and say which port it got (redis-server). Never hand it to a
 * server process to bind later: between closing it here and binding it there, any other process may
 * take it, and the test talks to that one. Start the server on port 0 instead (startListening).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
