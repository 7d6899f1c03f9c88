/**
 * Loaded into every test process (see scripts/test.ts): any TCP connection to a host outside loopback
 * fails at once, so no test can reach Slack, Google or anything else on the internet by accident.
 */
import net from 'node:net';

process.env.METADATA_SERVER_DETECTION = 'none';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(?:\.\d{1,3}){3})$/i;

export function isLoopbackHost(host: string | undefined): boolean {
  // Node connects to localhost when no host is given.
  return host === undefined || host === '' || LOOPBACK.test(host);
}

type ConnectArgs = Parameters<net.Socket['connect']>;

function targetHost(args: unknown[]): { host: string | undefined; path: boolean } {
  const first = args[0];
  if (Array.isArray(first)) return targetHost(first);
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; path?: string };
    return { host: o.host, path: typeof o.path === 'string' };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { host: undefined, path: true };
  return { host: typeof args[1] === 'string' ? args[1] : undefined, path: false };
}

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: ConnectArgs) {
  const { host, path } = targetHost(args);
  if (!path && !isLoopbackHost(host)) {
    const error = new Error(`network guard: tests may only connect to loopback, not ${String(host)}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return original.apply(this, args);
} as typeof original;
