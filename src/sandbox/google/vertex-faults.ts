/**
 * Vertex AI faults the VertexSandbox class does not model itself, as rules for the server's fault
 * layer (http-faults.ts): kept apart so the sandbox's own file stays about the API.
 */
import type { HttpFaultRule } from '../http-faults.js';

/** `GET .../locations/{region}/customJobs` (a listing, not a get of one job), with or without a query. */
const LIST_JOBS = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/customJobs(?:\?.*)?$/;

/**
 * A listing that lags behind creates: `customJobs.list` leaves out jobs created less than `lagMs`
 * ago (by the sandbox clock `now`), while a get of the job by its id finds it at once. A search by
 * label right after a create (to find out whether a lost create went through) misses the job, and a
 * watcher that reads only listings may take a new job for gone.
 */
export function vertexListingLag(lagMs: number, now: () => number): HttpFaultRule {
  return {
    name: 'vertex-listing-lag',
    method: 'GET',
    path: LIST_JOBS,
    fault: {
      kind: 'rewrite',
      rewrite: (answer) => {
        const body = answer.body;
        if (answer.status !== 200 || typeof body !== 'object' || body === null || !('customJobs' in body)) return answer;
        const jobs = (body as { customJobs: unknown }).customJobs;
        if (!Array.isArray(jobs)) return answer;
        const cutoff = now() - lagMs;
        const shown = jobs.filter((job: unknown) => {
          const created = typeof job === 'object' && job !== null && 'createTime' in job ? Date.parse(String((job as { createTime: unknown }).createTime)) : NaN;
          return Number.isNaN(created) || created <= cutoff;
        });
        const rest: Record<string, unknown> = { ...(body as Record<string, unknown>) };
        if (shown.length > 0) rest.customJobs = shown;
        else delete rest.customJobs;
        return { ...answer, body: rest };
      },
    },
  };
}
