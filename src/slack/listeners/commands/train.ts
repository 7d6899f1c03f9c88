/**
 * `/train`: parse, authorize, record the intent, and answer inside the ack (within Slack's 3 seconds),
 * like `/gpu`. The listener never calls Google Cloud: the job watcher does.
 */
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { answerSlashCommand, type PlainReply } from './slash-answer.js';
import { parseTrainCommand, trainDay } from '../../../domain/train-command.js';
import type { Asker } from '../../../app/box-commands.js';
import type { JobCommands } from '../../../app/job-commands.js';
import type { ListenerDeps } from '../../context.js';
import { cancelPrompt, jobList, jobLogsMessage, jobStatusMessage, submittedMessage } from '../../views/job-card.js';
import { trainForm } from '../../views/job-form.js';
import { trainHelp } from '../../views/train-help.js';
import { errorMessage } from '../../views/messages.js';
import { fromBoxCommand } from '../../../domain/train-from-box-text.js';
import { packagingMessage } from '../../views/box-job.js';

type Reply = PlainReply | 'form';

export function registerTrainCommand(app: App, deps: ListenerDeps, jobs: JobCommands): void {
  app.command('/train', async (args) => handleTrainCommand(args, deps, jobs));
}

export async function handleTrainCommand(args: SlackCommandMiddlewareArgs & AllMiddlewareArgs, deps: ListenerDeps, jobs: JobCommands): Promise<void> {
  const { command } = args;
  await answerSlashCommand(args, {
    name: '/train',
    log: deps.log,
    work: () => answer(command, deps, jobs),
    form: () => trainForm({ defaultRegion: deps.region, regions: deps.regions, privateMetadata: JSON.stringify({ channel: command.channel_id }) }),
  });
}

async function answer(command: SlackCommandMiddlewareArgs['command'], deps: ListenerDeps, jobs: JobCommands): Promise<Reply> {
  // trigger_id is unique per invocation and identical in Slack's retries of it.
  const asker: Asker = { userId: command.user_id, channelId: command.channel_id, requestKey: `cmd:${command.team_id}:${command.trigger_id}` };
  const fromBox = fromBoxCommand(command.text ?? '');
  if (fromBox !== null) {
    if (!fromBox.ok) return errorMessage(fromBox.error.message);
    if (deps.boxJobs === undefined) return errorMessage('Training from a box is not set up here.');
    const result = await deps.boxJobs.submit(asker, fromBox.value);
    return result.ok ? packagingMessage(result.value.job, result.value.job.request.notes) : errorMessage(result.error.message);
  }
  const parsed = parseTrainCommand(command.text ?? '', { today: trainDay(deps.clock.now()) });
  if (!parsed.ok) return errorMessage(parsed.error.message);
  const cmd = parsed.value;
  switch (cmd.kind) {
    case 'form':
      return 'form';
    case 'help':
      return trainHelp(cmd.topic);
    case 'submit': {
      if (cmd.request === null) return 'form';
      const result = await jobs.submit(asker, cmd.request);
      return result.ok ? submittedMessage(result.value.job, cmd.request.notes) : errorMessage(result.error.message);
    }
    case 'list':
      return jobList(await jobs.list(asker, cmd.all), { now: deps.clock.now(), all: cmd.all });
    case 'status': {
      const found = await jobs.find({ reference: cmd.job });
      return found.ok ? jobStatusMessage(found.value, { now: deps.clock.now(), project: deps.project }) : errorMessage(found.error.message);
    }
    case 'logs': {
      const found = await jobs.find({ reference: cmd.job });
      return found.ok ? jobLogsMessage(found.value, deps.project) : errorMessage(found.error.message);
    }
    case 'cancel': {
      // Cancelling loses the work so far: the command only asks (owner or admin); the button does it.
      const found = await jobs.find({ reference: cmd.job });
      if (!found.ok) return errorMessage(found.error.message);
      const refusal = jobs.checkOwner(found.value, asker.userId);
      return refusal !== null ? errorMessage(refusal.message) : cancelPrompt(found.value);
    }
  }
}
