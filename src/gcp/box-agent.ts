/**
 * The box agent over Compute Engine: the request goes into the VM's metadata (`instances.setMetadata`,
 * whole, with the fingerprint it was read with) and the answer comes back from its guest attributes
 * (`instances.getGuestAttributes`). Calls go through the Compute adapter's own client, so the library
 * is loaded once.
 */
import type { InstancesClient } from '@google-cloud/compute';
import type { BoxAgentAnswer, BoxAgentRequest } from '../domain/box-agent-script.js';
import { BOX_AGENT_REQUEST_KEY } from '../domain/box-agent-script.js';
import { stepRequestId } from '../domain/request-id.js';
import type { BoxAgentPort, CloudResult } from '../app/ports.js';
import type { CallBehaviour } from './call-policy.js';
import { agentAnswerOf, agentAnswerQueryPath, agentRequestMetadata } from './box-agent-bodies.js';
import { classifyThrown, httpStatusOf } from './google-errors.js';

/** What this adapter needs of the Compute adapter: its Instances client under its call policy. */
export interface InstancesAccess {
  withInstances<T>(behaviour: CallBehaviour, run: (instances: InstancesClient) => Promise<T>): Promise<T>;
}

const NO_GAX_RETRY = { retry: null } as const;
/** Reads, and setMetadata with a requestId, are safe to send again. */
const AGAIN: CallBehaviour = { idempotent: true };
/** Another writer changing the metadata between our read and write: read again this many times. */
const FINGERPRINT_RACES = 3;

export class ComputeBoxAgent implements BoxAgentPort {
  constructor(
    private readonly compute: InstancesAccess,
    private readonly project: string,
  ) {}

  async ask(zone: string, instance: string, request: BoxAgentRequest): Promise<CloudResult<void>> {
    const wanted = JSON.stringify(request);
    for (let attempt = 0; ; attempt++) {
      try {
        const [vm] = await this.compute.withInstances(AGAIN, (c) => c.get({ project: this.project, zone, instance }, NO_GAX_RETRY));
        const metadata = vm.metadata ?? {};
        // Already there (a repeat after a lost answer): asking again would only make the agent wait for a change.
        if ((metadata.items ?? []).some((i) => i.key === BOX_AGENT_REQUEST_KEY && i.value === wanted)) return { ok: true, value: undefined };
        const body = agentRequestMetadata(metadata, request);
        if (body === null) return { ok: false, failure: { kind: 'other', message: `instance ${instance} came without a metadata fingerprint` } };
        const requestId = stepRequestId('agent-request', zone, instance, request.id, body.fingerprint);
        await this.compute.withInstances(AGAIN, (c) => c.setMetadata({ project: this.project, zone, instance, metadataResource: body, requestId }, NO_GAX_RETRY));
        return { ok: true, value: undefined };
      } catch (error) {
        // 412 conditionNotMet: the fingerprint changed since the read (instances.setMetadata reference).
        if (httpStatusOf(error) === 412 && attempt < FINGERPRINT_RACES) continue;
        return { ok: false, failure: classifyThrown(error) };
      }
    }
  }

  async withdraw(zone: string, instance: string, requestId: string): Promise<CloudResult<void>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const [vm] = await this.compute.withInstances(AGAIN, (c) => c.get({ project: this.project, zone, instance }, NO_GAX_RETRY));
        const metadata = vm.metadata ?? {};
        const items = metadata.items ?? [];
        const current = items.find((i) => i.key === BOX_AGENT_REQUEST_KEY);
        if (current === undefined || requestIdOf(current.value) !== requestId) return { ok: true, value: undefined };
        if (typeof metadata.fingerprint !== 'string' || metadata.fingerprint === '') return { ok: false, failure: { kind: 'other', message: `instance ${instance} came without a metadata fingerprint` } };
        const body = { fingerprint: metadata.fingerprint, items: items.filter((i) => i.key !== BOX_AGENT_REQUEST_KEY).map((i) => ({ key: i.key ?? '', value: i.value ?? '' })) };
        const id = stepRequestId('agent-withdraw', zone, instance, requestId, metadata.fingerprint);
        await this.compute.withInstances(AGAIN, (c) => c.setMetadata({ project: this.project, zone, instance, metadataResource: body, requestId: id }, NO_GAX_RETRY));
        return { ok: true, value: undefined };
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) return { ok: true, value: undefined };
        if (status === 412 && attempt < FINGERPRINT_RACES) continue;
        return { ok: false, failure: classifyThrown(error) };
      }
    }
  }

  async answerTo(zone: string, instance: string, requestId: string): Promise<CloudResult<BoxAgentAnswer | null>> {
    try {
      const [attributes] = await this.compute.withInstances(AGAIN, (c) =>
        c.getGuestAttributes({ project: this.project, zone, instance, queryPath: agentAnswerQueryPath(requestId) }, NO_GAX_RETRY),
      );
      return { ok: true, value: agentAnswerOf(attributes, requestId) };
    } catch (error) {
      // No such attribute yet answers 404 (https://cloud.google.com/compute/docs/metadata/manage-guest-attributes).
      if (httpStatusOf(error) === 404) return { ok: true, value: null };
      return { ok: false, failure: classifyThrown(error) };
    }
  }
}

/** The id of the request a metadata value holds, or null when it holds none the bot wrote. */
function requestIdOf(value: string | null | undefined): string | null {
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { id?: unknown }).id === 'string' ? (parsed as { id: string }).id : null;
  } catch {
    return null;
  }
}
