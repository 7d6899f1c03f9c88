// The googleapis adapters load their API's generated module on their first call, that API's only (the
// package's entry point would load every Google API), and call the stand-in at GCP_ENDPOINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BillingAdapter } from '../../src/gcp/billing.js';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { BILLING_SERVICES } from '../../src/domain/prices.js';
import { BillingSandbox } from '../../src/sandbox/google/billing.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { sandboxAuth } from '../support/cloud.js';

/** googleapis files Node has loaded into this process, relative to its build/src (the package is CommonJS). */
function googleapisLoaded(): string[] {
  return Object.keys(createRequire(import.meta.url).cache)
    .filter((f) => f.includes('/node_modules/googleapis/'))
    .map((f) => f.replace(/.*\/node_modules\/googleapis\/build\/src\//, ''));
}

test('Billing and Vertex AI adapters load googleapis on their first call, each its own API module only', async () => {
  const now = Date.parse('2026-11-27T09:00:00Z');
  const billing = new BillingSandbox({ now: () => now });
  const vertex = new VertexSandbox({ project: 'gpubot-test', now: () => now });
  const server = await startGoogleSandbox({ handlers: [billing, vertex] });
  try {
    const prices = new BillingAdapter({ authClient: sandboxAuth(), rootUrl: server.url });
    const training = new VertexAdapter({ project: 'gpubot-test', authClient: sandboxAuth(), rootUrl: server.url });
    assert.deepEqual(googleapisLoaded(), [], 'building the adapters loads nothing of googleapis');

    const skus = await prices.listSkus(BILLING_SERVICES.compute, 'USD');
    assert.ok(skus.ok && skus.value.length > 0, JSON.stringify(skus).slice(0, 300));
    assert.equal(billing.count(BILLING_SERVICES.compute), 1, 'the stand-in at the endpoint answered');
    assert.deepEqual(googleapisLoaded(), ['apis/cloudbilling/v1.js']);

    const jobs = await training.listManagedJobs('us-central1');
    assert.deepEqual(jobs, []);
    assert.deepEqual(googleapisLoaded().sort(), ['apis/aiplatform/v1.js', 'apis/cloudbilling/v1.js']);
  } finally {
    await server.close();
  }
});
