/**
 * What `/gpu cost` tells the asker about its chart. The answer is ephemeral, so the chart goes where
 * only the asker sees it too: their DM with the bot. When Slack refuses the upload, the asker hears why
 * and what would fix it, instead of a chart that silently never comes.
 */
import type { ContextBlock, EphemeralMessage } from './block-kit.js';
import { contextLine, errorMessage, escapeMrkdwn, truncate } from './messages.js';

/** The line under the answer: where the chart is going. */
export function chartComingLine(): ContextBlock {
  return contextLine(':bar_chart: The chart of daily spend is on its way to your DM with me, where only you see it.');
}

/** Why the upload failed, as Slack said it: its error code and, for `missing_scope`, the scope it wanted. */
export interface ChartFailure {
  code: string | null;
  needed: string | null;
}

function code(text: string): string {
  return `\`${escapeMrkdwn(truncate(text, 80)).replace(/`/g, "'")}\``;
}

/** A follow-up only the asker sees, saying the chart did not come and what would make it come. */
export function chartNotSentMessage(failure: ChartFailure): EphemeralMessage {
  const lead = 'The chart of daily spend could not be sent; the figures above are complete.';
  if (failure.code === 'missing_scope') {
    const scope = failure.needed ?? 'files:write';
    return errorMessage(
      `${lead} This Slack app lacks the ${code(scope)} scope: an admin adds it to \`oauth_config.scopes.bot\` in manifest.yml ` +
        '(or under OAuth & Permissions) and reinstalls the app.',
    );
  }
  if (failure.code === 'not_in_channel' || failure.code === 'channel_not_found' || failure.code === 'cannot_dm_bot') {
    return errorMessage(
      `${lead} Slack did not let me post a file in our DM (${code(failure.code)}): check that the app's Messages tab is on ` +
        '(`features.app_home.messages_tab_enabled` in manifest.yml) and that your workspace allows DMs with apps.',
    );
  }
  return errorMessage(`${lead} Slack answered ${code(failure.code ?? 'an error')}; try \`/gpu cost\` again later.`);
}
