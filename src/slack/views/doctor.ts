/** `/gpu doctor`'s answer: the same lines `npm run doctor` prints, in code blocks that fit Slack's limits. */
import type { CheckResult } from '../../domain/doctor-checks.js';
import { checkLine } from '../../domain/doctor-checks.js';
import { LIMITS, type EphemeralMessage, type KnownBlock } from './block-kit.js';
import { escapeMrkdwn, fallbackText, section } from './messages.js';

/** Room for the code fences inside one section's 3000 characters. */
const CHUNK = LIMITS.sectionText - 10;

export function doctorAnswer(checks: readonly CheckResult[]): EphemeralMessage {
  const failed = checks.filter((c) => c.status === 'fail').length;
  const passed = checks.filter((c) => c.status === 'pass').length;
  const summary = failed === 0 ? `:white_check_mark: This deployment passed all ${passed} checks.` : `:warning: ${failed} of ${checks.length} checks failed; each says its fix.`;
  const blocks: KnownBlock[] = [section(summary)];
  let chunk = '';
  const flush = () => {
    if (chunk !== '') blocks.push(section(`\`\`\`${chunk}\`\`\``));
    chunk = '';
  };
  for (const check of checks) {
    const line = escapeMrkdwn(checkLine(check)).replace(/```/g, "'''");
    if (chunk.length + line.length + 1 > CHUNK) flush();
    chunk += (chunk === '' ? '' : '\n') + line.slice(0, CHUNK);
  }
  flush();
  // 50 blocks hold far more than the doctor's few dozen lines; cut rather than be refused.
  return { response_type: 'ephemeral', text: fallbackText(summary), blocks: blocks.slice(0, LIMITS.messageBlocks) };
}

export const DOCTOR_ADMINS_ONLY = '`/gpu doctor` is for admins (GPUBOT_ADMINS): it shows how this deployment is set up. Ask one of them, or run `npm run doctor` where the bot is deployed.';

export const DOCTOR_WORKING = ':stethoscope: Checking this deployment (Google Cloud APIs, roles, quotas, policies, Firestore, Slack); the answer follows here in a moment.';
