/**
 * `/gpu`: parse, authorize, record the intent, and answer inside the ack (within Slack's 3 seconds).
 * The ack body is the answer, so a slow Slack API never delays it.
 */
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { answerSlashCommand, type PlainReply } from './slash-answer.js';
import { regionOfZone } from '../../../domain/box-transitions.js';
import { parseGpuCommand, type GpuCommand } from '../../../domain/gpu-command.js';
import type { Asker } from '../../../app/box-commands.js';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_IN_ACK_MS, pricesWithin, startLookup, within } from '../../price-lookup.js';
import { boxList } from '../../views/box-list.js';
import { connectMessage } from '../../views/connect.js';
import { gpuHelp } from '../../views/gpu-help.js';
import { apologyMessage, errorMessage, okMessage } from '../../views/messages.js';
import type { EphemeralMessage, Modal } from '../../views/block-kit.js';
import { policyForm, policySummary } from '../../views/policy-form.js';
import { DOCTOR_ADMINS_ONLY, DOCTOR_WORKING, doctorAnswer } from '../../views/doctor.js';
import { randomUUID } from 'node:crypto';
import { upForm } from '../../views/up-form.js';
import { keptText } from '../../views/idle-notices.js';
import { auditAnswer } from '../../views/audit.js';
import { teamAnswer } from '../../views/team.js';
import { isChannelId } from '../../../domain/slack-ids.js';
import type { Team } from '../../../domain/team.js';

/** `/gpu keep NAME` without a length keeps the box for an hour, like the [Keep 1h] button. */
const DEFAULT_KEEP_MS = 3_600_000;
import { deletePrompt, requestedMessage } from '../../views/replies.js';
import { chartTitle, costAnswer, whoseText } from '../../views/cost-report.js';
import { dailySpendPng } from '../../views/cost-chart.js';
import { chartComingLine, chartNotSentMessage } from '../../views/cost-chart-delivery.js';
import { slackError } from '../../delivery.js';
import { utcDay } from '../../../domain/cost-period.js';

interface Chart {
  png: Buffer;
  filename: string;
  title: string;
}

/**
 * `chart`: an image to upload into the asker's DM with the bot once the answer is sent. `doctor`: the
 * answer only says the check started; the check runs after the ack and its lines replace that answer.
 */
type Reply = (PlainReply & { chart?: Chart; doctor?: true }) | 'form';

export function registerGpuCommand(app: App, deps: ListenerDeps): void {
  app.command('/gpu', async (args) => handleGpuCommand(args, deps));
}

export async function handleGpuCommand(args: SlackCommandMiddlewareArgs & AllMiddlewareArgs, deps: ListenerDeps): Promise<void> {
  const { command, client, respond } = args;
  // `/gpu policy` from an admin opens the policy form instead of the box form; it is built once the policy is read.
  const modal: { policy?: Modal; teamRegion?: string } = {};
  await answerSlashCommand(args, {
    name: '/gpu',
    log: deps.log,
    work: () => answer(command, deps, modal),
    // In a team's channel the form starts at the team's region (answer() read the binding).
    form: () =>
      modal.policy ??
      upForm({ defaultRegion: modal.teamRegion ?? deps.region, regions: [...new Set([...(modal.teamRegion !== undefined ? [modal.teamRegion] : []), ...deps.regions])], privateMetadata: JSON.stringify({ channel: command.channel_id }) }),
    after: async (reply) => {
      if ('chart' in reply && reply.chart !== undefined) await uploadChart(client, respond, command, reply.chart, deps);
      if ('doctor' in reply && reply.doctor === true) await answerDoctor(respond, deps);
    },
  });
}

async function answer(
  command: SlackCommandMiddlewareArgs['command'],
  deps: ListenerDeps,
  modal: { policy?: Modal; teamRegion?: string },
): Promise<Reply> {
  const parsed = parseGpuCommand(command.text ?? '');
  if (!parsed.ok) return errorMessage(parsed.error.message);
  const cmd: GpuCommand = parsed.value;
  // trigger_id is unique per invocation and identical in Slack's retries of it.
  const asker: Asker = { userId: command.user_id, channelId: command.channel_id, requestKey: `cmd:${command.team_id}:${command.trigger_id}` };
  switch (cmd.kind) {
    case 'help':
      return gpuHelp(cmd.topic);
    case 'form':
      return upFormIn(command.channel_id, deps, modal);
    case 'up': {
      if (cmd.request === null) return upFormIn(command.channel_id, deps, modal);
      // Asked while the request is recorded, for the region the box will most likely get, so the two waits overlap.
      const likelyRegion = cmd.request.zone !== null ? regionOfZone(cmd.request.zone) : (cmd.request.region ?? deps.region);
      const early = startLookup(deps.prices, likelyRegion, deps.log);
      // The policy and the budgets are applied inside: refusals name the rule, approvals wait.
      const result = await deps.boxes.requestBox(asker, cmd.request);
      if (!result.ok) return errorMessage(result.error.message);
      const box = result.value.box;
      const pricing = box.spec.region === likelyRegion ? early : startLookup(deps.prices, box.spec.region, deps.log);
      return requestedMessage(box, await within(pricing, PRICE_WAIT_IN_ACK_MS));
    }
    case 'list': {
      const boxes = await deps.boxes.list(asker, cmd.all);
      const prices = await pricesWithin(deps.prices, boxes.map((b) => b.spec.region), PRICE_WAIT_IN_ACK_MS, deps.log);
      return boxList(boxes, {
        now: deps.clock.now(),
        project: deps.project,
        all: cmd.all,
        viewer: asker.userId,
        ...(deps.prices !== undefined ? { prices: (region: string) => prices.get(region) } : {}),
      });
    }
    case 'stop':
    case 'start': {
      const result = cmd.kind === 'stop' ? await deps.boxes.stop(asker, { name: cmd.name }) : await deps.boxes.start(asker, { name: cmd.name });
      if (!result.ok) return errorMessage(result.error.message);
      const verb = cmd.kind === 'stop' ? 'Stopping' : 'Starting';
      return okMessage(result.value.changed ? `${verb} \`${result.value.box.name}\`; its card in <#${result.value.box.channel}> shows progress.` : `\`${result.value.box.name}\` is already ${cmd.kind === 'stop' ? 'stopping or stopped' : 'starting or running'}.`);
    }
    case 'delete': {
      // Deleting loses the disk: the command only asks; the button in the answer does it.
      const found = await deps.boxes.connect(asker, { name: cmd.name });
      return found.ok ? deletePrompt(found.value) : errorMessage(found.error.message);
    }
    case 'keep': {
      const result = await deps.boxes.keep(asker, { name: cmd.name }, cmd.forMs ?? DEFAULT_KEEP_MS);
      if (!result.ok) return errorMessage(result.error.message);
      return okMessage(keptText(result.value.box.name, result.value.keepUntil, result.value.capped));
    }
    case 'connect': {
      const found = await deps.boxes.connect(asker, { name: cmd.name });
      return found.ok ? connectMessage(found.value, { project: deps.project, viewer: asker.userId }) : errorMessage(found.error.message);
    }
    case 'cost': {
      // In a team's channel, plain `/gpu cost` is the team's spend (`--user @you` still shows yours).
      const team = cmd.who.kind === 'me' && deps.teams !== undefined ? await deps.teams.teamOf(command.channel_id) : null;
      return costReply(team === null ? cmd : { ...cmd, who: { kind: 'team', channel: team.channel } }, asker.userId, deps);
    }
    case 'team':
      return teamReply(cmd.team, asker, deps);
    case 'doctor':
      // Nothing but this check before the ack: the Google and Slack reads run after it (answerDoctor).
      if (deps.doctor === undefined) return errorMessage('The deployment check is not set up on this gpubot; run `npm run doctor` where it is deployed.');
      if (!deps.doctor.isAdmin(asker.userId)) return errorMessage(DOCTOR_ADMINS_ONLY);
      return { ...okMessage(DOCTOR_WORKING), doctor: true };
    case 'policy': {
      if (deps.policy === undefined) return errorMessage('The team policy is not set up on this gpubot.');
      const stored = await deps.policy.current();
      if (deps.isAdmin?.(asker.userId) !== true) return policySummary(stored, deps.policy.admins, { canEdit: false });
      modal.policy = policyForm(stored, JSON.stringify({ channel: command.channel_id }));
      return 'form';
    }
    case 'audit': {
      if (deps.audit === undefined) return errorMessage('The audit trail is not set up on this gpubot.');
      const result = await deps.audit.list(asker.userId, cmd.of, cmd.days);
      if (!result.ok) return errorMessage(result.error.message);
      return auditAnswer(result.value.entries, { of: cmd.of, days: cmd.days, more: result.value.more });
    }
  }
}

/**
 * Runs the deployment check after the ack and answers through response_url. The listener never waits
 * on Google before acking; the check itself is read-only and leaves nothing to resume, so it runs here
 * rather than through the worker (an admin who loses the answer asks again).
 */
async function answerDoctor(respond: SlackCommandMiddlewareArgs['respond'], deps: ListenerDeps): Promise<void> {
  let answer: EphemeralMessage;
  try {
    const report = await deps.doctor?.run();
    if (report === undefined) return;
    answer = doctorAnswer(report.checks);
  } catch (error) {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('/gpu doctor failed', { errorId, error });
    answer = apologyMessage(errorId);
  }
  await respond({ response_type: 'ephemeral', replace_original: true, text: answer.text, blocks: answer.blocks }).catch((error: unknown) =>
    deps.log.warn('could not send the /gpu doctor answer', { error }),
  );
}

/** The box form, starting at the region of the channel's team when it has one. */
async function upFormIn(channel: string, deps: ListenerDeps, modal: { teamRegion?: string }): Promise<Reply> {
  const team = deps.teams === undefined ? null : await deps.teams.teamOf(channel);
  if (team?.region != null) modal.teamRegion = team.region;
  return 'form';
}

async function teamReply(team: Extract<GpuCommand, { kind: 'team' }>['team'], asker: Asker, deps: ListenerDeps): Promise<Reply> {
  const teams = deps.teams;
  if (teams === undefined) return errorMessage('Teams are not set up on this gpubot.');
  const ctx = { project: deps.project, region: deps.region, admins: deps.policy?.admins ?? [], canEdit: deps.isAdmin?.(asker.userId) === true };
  const withSpend = async (t: Team | null) => {
    if (t === null || t.budgetUsd === null || deps.teamSpend === undefined) return {};
    // A few reads and a price table: given a good part of the ack, and left out when later.
    const spent = await within(deps.teamSpend(t).catch(() => undefined), 1_200);
    return spent === undefined ? {} : { spent };
  };
  if (team.action === 'show') {
    if (!isChannelId(asker.channelId)) return okMessage('A team is a channel: type `/gpu team` in a channel to see its binding.');
    const current = await teams.teamOf(asker.channelId);
    return teamAnswer(asker.channelId, current, { ...ctx, ...(await withSpend(current)) });
  }
  if (team.action === 'clear') {
    const result = await teams.clear(asker);
    if (!result.ok) return errorMessage(result.error.message);
    const lead = result.value.cleared === null ? 'This channel was no team’s; nothing changed. ' : ':white_check_mark: Unbound. Boxes and jobs already made keep their project. ';
    return teamAnswer(asker.channelId, null, ctx, lead);
  }
  const result = await teams.set(asker, team);
  if (!result.ok) return errorMessage(result.error.message);
  return teamAnswer(asker.channelId, result.value.team, { ...ctx, ...(await withSpend(result.value.team)) }, ':white_check_mark: Bound. ');
}

async function costReply(cmd: Extract<GpuCommand, { kind: 'cost' }>, asker: string, deps: ListenerDeps): Promise<Reply> {
  if (deps.costs === undefined) return errorMessage('Costs are not set up on this gpubot.');
  const result = await deps.costs.report(asker, cmd.range, cmd.who);
  if (!result.ok) return errorMessage(result.error.message);
  const { report } = result.value;
  const whose = whoseText(cmd.who);
  const answer = costAnswer(report, { whose, byTeam: cmd.who.kind === 'all' });
  // A chart of nothing but zeros says less than the answer's one line.
  if (report.byDay.length === 0 || report.total === 0) return answer;
  const first = report.byDay[0];
  const chart: Chart = {
    png: await dailySpendPng(report, { whose, byPerson: cmd.who.kind === 'all' }),
    filename: `gpu-spend-${first !== undefined ? utcDay(first.dayStartMs) : 'period'}-to-${utcDay(report.period.toMs)}.png`,
    title: chartTitle(report, whose),
  };
  return { ...answer, blocks: [...answer.blocks, chartComingLine()], chart };
}

/**
 * After the answer: the chart goes where the answer went, to the asker alone. The answer is ephemeral,
 * and a file shared into the channel would show one person's (or, for an admin, the team's) spend to
 * everyone there; so it goes into the asker's DM with the bot (conversations.open needs `im:write`, the
 * upload `files:write`). When Slack refuses, the asker hears why in a follow-up only they see.
 */
async function uploadChart(
  client: AllMiddlewareArgs['client'],
  respond: SlackCommandMiddlewareArgs['respond'],
  command: SlackCommandMiddlewareArgs['command'],
  chart: Chart,
  deps: ListenerDeps,
): Promise<void> {
  try {
    const dm = await client.conversations.open({ users: command.user_id });
    const channel = dm.channel?.id;
    if (channel === undefined) throw new Error('conversations.open answered without a channel id');
    await client.filesUploadV2({ channel_id: channel, file: chart.png, filename: chart.filename, title: chart.title });
  } catch (error) {
    const code = slackError(error);
    const needed = (error as { data?: { needed?: unknown } }).data?.needed;
    deps.log.warn('could not send the spend chart', { error, user: command.user_id, slackError: code });
    const message = chartNotSentMessage({ code, needed: typeof needed === 'string' ? needed : null });
    await respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks }).catch((e: unknown) =>
      deps.log.warn('could not say the spend chart was not sent', { error: e }),
    );
  }
}
