/** The Compute sandbox on a local port with the real client library pointed at it. */
import { OAuth2Client } from 'google-auth-library';
import { ComputeSandbox, type ComputeTimings } from '../../src/sandbox/google/compute.js';
import { startGoogleSandbox, type GoogleSandbox } from '../../src/sandbox/google/server.js';
import { ComputeAdapter } from '../../src/gcp/compute.js';
import type { Clock } from '../../src/app/ports.js';

export interface TestCloud {
  sandbox: ComputeSandbox;
  server: GoogleSandbox;
  compute: ComputeAdapter;
  close(): Promise<void>;
}

export function sandboxAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox-token', expiry_date: Date.now() + 3600_000 });
  return auth;
}

export async function startTestCloud(clock: Clock, timings: Partial<ComputeTimings> = {}, project = 'gpubot-test'): Promise<TestCloud> {
  const sandbox = new ComputeSandbox({ project, now: () => clock.now(), timings: { waitMaxMs: 0, ...timings } });
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const compute = new ComputeAdapter({ project, authClient: sandboxAuth(), endpoint: server.url, clock });
  return {
    sandbox,
    server,
    compute,
    close: async () => {
      await compute.close();
      await server.close();
    },
  };
}
