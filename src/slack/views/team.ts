/** `/gpu team`'s answers: a channel's binding (project, region, budget and what is spent of it), and what a change did. */
import type { Team } from '../../domain/team.js';
import { formatUsd } from '../../domain/money.js';
import type { EphemeralMessage } from './block-kit.js';
import { mention } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section } from './messages.js';

export interface TeamAnswerContext {
  /** The deployment's own project and region: what an unbound channel, or an unset part, means. */
  project: string;
  region: string;
  /** The team's spend this month so far (list price), when it has a budget and it could be read. */
  spent?: number;
  /** Who may bind (admins); named when the reader is not one. */
  admins: readonly string[];
  canEdit: boolean;
}

function code(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;
}

/** The binding, as anyone in the channel may see it. */
export function teamAnswer(channel: string, team: Team | null, ctx: TeamAnswerContext, lead?: string): EphemeralMessage {
  const how = ctx.canEdit
    ? '`/gpu team set --project P --region R --budget 500` changes it (each part optional), `/gpu team clear` unbinds it.'
    : `Only an admin (${ctx.admins.length === 0 ? 'none is configured in `GPUBOT_ADMINS`' : ctx.admins.map(mention).join(', ')}) can change it, with \`/gpu team set\`.`;
  if (team === null) {
    const text = `<#${channel}> is no team's: boxes and jobs asked for here go to project ${code(ctx.project)} (default region ${code(ctx.region)}), and count in no team's spend.`;
    return { response_type: 'ephemeral', text: fallbackText(`${lead ?? ''}${text}`), blocks: [section(`${lead ?? ''}:busts_in_silhouette: ${text}`), contextLine(how)] };
  }
  const lines = [
    `*Project*: ${code(team.project ?? ctx.project)}${team.project === null ? ' (the deployment’s own)' : ''}`,
    `*Region*: ${team.region === null ? `any; ${code(ctx.region)} unless one is named` : `${code(team.region)}; boxes and jobs go there, and a request for another region is refused`}`,
    `*Budget*: ${team.budgetUsd === null ? 'none of its own' : `${formatUsd(team.budgetUsd)} a month (list price)${ctx.spent !== undefined ? `, ${formatUsd(ctx.spent)} spent this month` : ''}; past it, new boxes and jobs asked for here wait for an admin’s approval (or are refused, where the policy’s *Past a budget* rule says refuse)`}`,
  ];
  const head = `:busts_in_silhouette: <#${channel}> is a team: boxes and jobs asked for here are created in its project and counted in its spend.`;
  const by = team.updatedBy !== '' ? `Last changed by ${mention(team.updatedBy)}. ` : '';
  return {
    response_type: 'ephemeral',
    text: fallbackText(`${lead ?? ''}<#${channel}> is a team: project ${team.project ?? ctx.project}`),
    blocks: [section(`${lead ?? ''}${head}\n${lines.join('\n')}`), contextLine(`${by}${how}`)],
  };
}
