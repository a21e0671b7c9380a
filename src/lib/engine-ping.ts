// Whether a Docker Engine answers on a unix socket: GET /_ping, the call the docker CLI starts with.
// A readiness loop asks this every 100 ms; running `docker version` instead costs a Go process start
// (~0.15 s of CPU) each time, which adds up when several sessions boot on the same cores.
import { request } from './http-request.js';

export function pingSocket(socket: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, method: 'GET', path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
