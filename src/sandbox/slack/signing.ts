/** Signs a request body the way Slack signs what it sends to an app's request URL. */
import { createHmac } from 'node:crypto';

/**
 * Returns the `X-Slack-Signature` value for a request: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{rawBody}`
 * keyed with the app's signing secret. `rawBody` must be the exact bytes sent, since the verifier hashes
 * what it received, not a re-encoding of it.
 */
export function signSlackRequest(secret: string, timestamp: number | string, rawBody: string): string {
  const digest = createHmac('sha256', secret).update(`v0:${String(timestamp)}:${rawBody}`).digest('hex');
  return `v0=${digest}`;
}
