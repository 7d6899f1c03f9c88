/**
 * Compute Engine's side of the box agent exchange, as pure functions: the `instances.setMetadata` body
 * that asks the agent (the instance's whole metadata, the bot's key replaced, with the fingerprint it was
 * read with) and the answer inside an `instances.getGuestAttributes` result. The calls themselves belong
 * to the Compute adapter.
 */
import { BOX_AGENT_NAMESPACE, BOX_AGENT_REQUEST_KEY, readAgentAnswer, type BoxAgentAnswer, type BoxAgentRequest } from '../domain/box-agent-script.js';

/** Compute's Metadata resource as instances.get returns it (the fields this reads). */
export interface InstanceMetadata {
  fingerprint?: string | null;
  items?: { key?: string | null; value?: string | null }[] | null;
}

/** Compute's GuestAttributes resource (the fields this reads). */
export interface GuestAttributesResult {
  queryValue?: { items?: { namespace?: string | null; key?: string | null; value?: string | null }[] | null } | null;
}

/**
 * setMetadata replaces every item, and refuses (412 conditionNotMet) a fingerprint that is no longer the
 * current one (https://cloud.google.com/compute/docs/reference/rest/v1/instances/setMetadata): so the
 * body carries every other item unchanged and the fingerprint read with them; a refusal means read again.
 * null when the metadata came without a fingerprint, which no setMetadata would accept.
 */
export function agentRequestMetadata(current: InstanceMetadata, request: BoxAgentRequest): { fingerprint: string; items: { key: string; value: string }[] } | null {
  if (typeof current.fingerprint !== 'string' || current.fingerprint === '') return null;
  const items: { key: string; value: string }[] = [];
  for (const item of current.items ?? []) {
    if (typeof item.key !== 'string' || item.key === BOX_AGENT_REQUEST_KEY) continue;
    items.push({ key: item.key, value: item.value ?? '' });
  }
  items.push({ key: BOX_AGENT_REQUEST_KEY, value: JSON.stringify(request) });
  return { fingerprint: current.fingerprint, items };
}

/** The `queryPath` that reads one answer. */
export function agentAnswerQueryPath(requestId: string): string {
  return `${BOX_AGENT_NAMESPACE}/answer-${requestId}`;
}

/** The agent's answer to `requestId` among the guest attributes read, or null when there is none yet. */
export function agentAnswerOf(result: GuestAttributesResult, requestId: string): BoxAgentAnswer | null {
  for (const item of result.queryValue?.items ?? []) {
    if (item.namespace === BOX_AGENT_NAMESPACE && item.key === `answer-${requestId}` && typeof item.value === 'string') {
      return readAgentAnswer(item.value, requestId);
    }
  }
  return null;
}
