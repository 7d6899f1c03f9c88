/**
 * The terminal chat console of the embedded demo: a person types slash commands and button numbers, and sees
 * what the bot posts, as if they were in Slack. Everything goes through the Slack simulator, so the bot
 * cannot tell the difference.
 */
import { createInterface } from 'node:readline';
import type { SimChange, SimEphemeral, SimMessage, SimView, SlackSimulator, StateValues } from '../slack/web-api-server.js';
import { mrkdwnToText, renderBlocks, renderMessage, type RenderedButton } from './render.js';

export interface ConsoleOptions {
  simulator: SlackSimulator;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Who the person at the keyboard is in Slack. */
  userId: string;
  /** The channel their commands are typed in. */
  channelId: string;
  onExit?: () => void;
  /** Bold text through ANSI escapes; default: when the output is a terminal. */
  color?: boolean;
}

type Json = Record<string, unknown>;

type Where = { kind: 'message'; channel: string; ts: string } | { kind: 'ephemeral'; channel: string; ts: string } | { kind: 'view'; viewId: string };

interface ScreenButton extends RenderedButton {
  where: Where;
  stale: boolean;
}

const SETTLE_QUIET_MS = 150;
const SETTLE_MAX_MS = 3000;

const HELP = [
  'Type a slash command as in Slack, e.g. /gpu help or /gpu up demo --gpu t4.',
  'Type the number shown next to a button, e.g. 1, to press it.',
  'While a form is open, answer each question; an empty answer keeps the [default]; "cancel" closes the form.',
  '"home" shows your App Home tab; "quit" leaves.',
].join('\n');

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function plain(value: unknown): string {
  return isRecord(value) && typeof value.text === 'string' ? value.text : '';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : `   ${line}`))
    .join('\n');
}

function shorten(text: string, max = 50): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Lines typed by the person, handed out one at a time to whoever is waiting. */
class Inbox {
  private readonly lines: string[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  push(line: string): void {
    this.lines.push(line);
    this.poke();
  }

  close(): void {
    this.closed = true;
    this.poke();
  }

  /** Wakes whoever waits, even without a line (a form has opened). */
  poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  take(): string | undefined {
    return this.lines.shift();
  }

  get done(): boolean {
    return this.closed && this.lines.length === 0;
  }

  /** Resolves when a line arrives, input ends, or poke() is called. */
  async wait(): Promise<void> {
    if (this.lines.length > 0 || this.closed) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** The next line, or undefined once input has ended. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const line = this.take();
      if (line !== undefined) return line;
      if (this.closed) return undefined;
      await this.wait();
    }
  }
}

/**
 * Runs the console until the person types `quit` or the input ends; resolves then (after `onExit`).
 * Works the same whether `input` is a terminal or a pipe.
 */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const { simulator: sim, input, output, userId, channelId } = options;
  const tty = (output as { isTTY?: boolean }).isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  const color = options.color ?? tty;
  const userName = (id: string): string | undefined => sim.user(id)?.name;
  const rl = createInterface({ input, terminal: tty, ...(tty ? { output } : {}) });
  const inbox = new Inbox();
  rl.on('line', (line) => inbox.push(line));
  rl.on('close', () => inbox.close());
  rl.setPrompt('> ');

  const buttons = new Map<number, ScreenButton>();
  const buttonsOf = new Map<string, number[]>();
  let nextButton = 1;
  let formPending = false;
  let homeWanted = false;

  const print = (text: string): void => {
    if (tty) {
      // Clear the half-typed prompt line, print above it, then put the prompt back.
      output.write('\r\u001b[K');
      output.write(`${text}\n`);
      rl.prompt(true);
    } else {
      output.write(`${text}\n`);
    }
  };

  const refOf = (where: Where): string => (where.kind === 'view' ? `view:${where.viewId}` : `${where.kind}:${where.channel}:${where.ts}`);

  /** Marks the buttons of an older version of a message as gone. */
  const retire = (ref: string): void => {
    for (const n of buttonsOf.get(ref) ?? []) {
      const b = buttons.get(n);
      if (b !== undefined) b.stale = true;
    }
    buttonsOf.delete(ref);
  };

  const show = (heading: string, message: { text?: string; blocks?: unknown }, where: Where): void => {
    const ref = refOf(where);
    retire(ref);
    const rendered = renderMessage(message, { firstButton: nextButton, messageRef: ref, color, userName });
    nextButton += rendered.buttons.length;
    for (const b of rendered.buttons) buttons.set(b.n, { ...b, where, stale: false });
    buttonsOf.set(ref, rendered.buttons.map((b) => b.n));
    // A file upload's message has no text of its own; the file line printed after it is its content.
    const hasFiles = Array.isArray((message as { files?: unknown }).files);
    const body = rendered.text || (hasFiles ? '' : '(empty message)');
    print(body === '' ? `── ${heading}` : `── ${heading}\n${indent(body)}`);
  };

  /** How a message's first line reads, for naming the thread it is in. */
  const titleOf = (message: SimMessage | undefined): string => {
    if (message === undefined) return 'an earlier message';
    const text = mrkdwnToText(message.text, { userName }).trim() || renderBlocks(message.blocks, { numberButtons: false, userName }).text.trim();
    return `"${shorten(text.split('\n', 1)[0] ?? '')}"`;
  };

  const whereMessage = (m: SimMessage): string => {
    let where = sim.describeChannel(m.channel, userId);
    if (m.threadTs !== undefined && m.threadTs !== m.ts) where += `, thread of ${titleOf(sim.message(m.channel, m.threadTs))}`;
    return where;
  };

  const whereEphemeral = (e: SimEphemeral): string => {
    const who = e.user === userId ? 'only you' : `only ${sim.user(e.user)?.name ?? e.user}`;
    let where = `${sim.describeChannel(e.channel, userId)} (${who})`;
    if (e.threadTs !== undefined) where += `, thread of ${titleOf(sim.message(e.channel, e.threadTs))}`;
    return where;
  };

  const onChange = (change: SimChange): void => {
    switch (change.kind) {
      case 'message': {
        const m = change.message;
        show(`${whereMessage(m)}${change.updated ? ' (updated)' : ''}`, m, { kind: 'message', channel: m.channel, ts: m.ts });
        if (m.files !== undefined) {
          print(indent(m.files.map((f) => `[file: ${String(isRecord(f) ? f.title ?? f.name : '')}]`).join('\n')));
        }
        break;
      }
      case 'message_deleted':
        retire(refOf({ kind: 'message', channel: change.message.channel, ts: change.message.ts }));
        print(`── ${whereMessage(change.message)}: a message was deleted (${titleOf(change.message)})`);
        break;
      case 'ephemeral': {
        const e = change.message;
        show(`${whereEphemeral(e)}${change.updated ? ' (updated)' : ''}`, e, { kind: 'ephemeral', channel: e.channel, ts: e.ts });
        break;
      }
      case 'ephemeral_deleted':
        retire(refOf({ kind: 'ephemeral', channel: change.message.channel, ts: change.message.ts }));
        break;
      case 'view':
        if (change.view.userId !== userId) break;
        if (change.action === 'closed') {
          retire(refOf({ kind: 'view', viewId: change.view.id }));
        } else {
          formPending = true;
          inbox.poke();
        }
        break;
      case 'home':
        if (change.view.userId === userId && homeWanted) {
          homeWanted = false;
          showHome(change.view);
        }
        break;
    }
  };

  const showHome = (view: SimView): void => {
    show('App Home', { blocks: view.spec.blocks }, { kind: 'view', viewId: view.id });
  };

  const ask = async (question: string): Promise<string | undefined> => {
    print(question);
    return inbox.next();
  };

  const press = async (n: number): Promise<void> => {
    const b = buttons.get(n);
    if (b === undefined) {
      print(`There is no button [${n}].`);
      return;
    }
    if (b.stale) {
      print(`Button [${n}] was on an older version of a message; use the numbers shown with the newer one.`);
      return;
    }
    if (b.confirm !== undefined) {
      const answer = await ask(`${b.confirm.title}: ${b.confirm.text} [${b.confirm.confirm} = y / ${b.confirm.deny} = N]`);
      if (answer === undefined || !/^y(es)?$/i.test(answer.trim())) {
        print('Not pressed.');
        return;
      }
    }
    if (b.url !== undefined) print(`(opens ${b.url})`);
    const common = {
      userId,
      actionId: b.actionId,
      blockId: b.blockId,
      type: b.elementType,
      ...(b.value === undefined ? {} : { value: b.value }),
      ...(b.selectedOption === undefined ? {} : { selectedOption: b.selectedOption }),
    };
    const res =
      b.where.kind === 'view'
        ? await sim.sendAction({ ...common, viewId: b.where.viewId })
        : await sim.sendAction({ ...common, channelId: b.where.channel, messageTs: b.where.ts });
    if (res.status !== 200) print(`The bot answered the click with HTTP ${res.status}.`);
  };

  /**
   * When lines are piped in, the next one may already be waiting while the bot is still answering (a form
   * it opens after its ack, say). Waiting until the bot has made no Web API call for a moment keeps a
   * scripted session in step; a person at a terminal never needs it.
   */
  const settle = async (): Promise<void> => {
    if (tty) return;
    await new Promise<void>((resolve) => {
      let quiet = setTimeout(done, SETTLE_QUIET_MS);
      const cap = setTimeout(done, SETTLE_MAX_MS);
      function onCall(): void {
        clearTimeout(quiet);
        quiet = setTimeout(done, SETTLE_QUIET_MS);
      }
      function done(): void {
        clearTimeout(quiet);
        clearTimeout(cap);
        sim.off('call', onCall);
        resolve();
      }
      sim.on('call', onCall);
    });
  };

  const command = async (line: string): Promise<void> => {
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(line);
    const name = match?.[1] ?? line;
    const res = await sim.sendCommand({ command: name, text: (match?.[2] ?? '').trim(), userId, channelId });
    if (res.status !== 200) print(`${name} failed: the bot answered HTTP ${res.status}.`);
  };

  const home = async (): Promise<void> => {
    homeWanted = true;
    const before = sim.homeView(userId)?.hash;
    await sim.openAppHome(userId);
    try {
      await sim.waitUntil(() => sim.homeView(userId)?.hash !== before, 1000, 'the Home tab');
    } catch {
      // The bot did not republish: show what it published before, if anything.
      if (homeWanted) {
        homeWanted = false;
        const existing = sim.homeView(userId);
        if (existing === undefined) print('The bot has no Home tab for you yet.');
        else showHome(existing);
      }
    }
  };

  /** Answers one input block; undefined when the person cancelled (or input ended). */
  const answer = async (block: Json, previous: Json | undefined): Promise<Json | null | undefined> => {
    const element = isRecord(block.element) ? block.element : {};
    const type = typeof element.type === 'string' ? element.type : 'plain_text_input';
    const label = plain(block.label);
    const optional = block.optional === true;
    const hint = plain(block.hint);
    const options = [
      ...(Array.isArray(element.options) ? element.options.filter(isRecord) : []),
      ...(Array.isArray(element.option_groups)
        ? element.option_groups.filter(isRecord).flatMap((g) => (Array.isArray(g.options) ? g.options.filter(isRecord) : []))
        : []),
    ];
    const optionText = (o: Json): string => mrkdwnToText(plain(o.text));
    const selected = (o: Json): Json => ({ text: { type: 'plain_text', text: optionText(o), emoji: true }, value: o.value });
    const choosing = options.length > 0;
    const many = type === 'checkboxes' || type.startsWith('multi_');
    let fallback: string | undefined;
    if (previous !== undefined) {
      if (typeof previous.value === 'string') fallback = previous.value;
      else if (isRecord(previous.selected_option)) fallback = plain(previous.selected_option.text);
    } else if (typeof element.initial_value === 'string') fallback = element.initial_value;
    else if (isRecord(element.initial_option)) fallback = optionText(element.initial_option);

    const lines = [`? ${label}${optional ? ' (optional)' : ''}${fallback === undefined || fallback === '' ? '' : ` [${fallback}]`}`];
    if (hint !== '') lines.push(`  ${hint}`);
    if (choosing) lines.push(`  ${options.map((o, i) => `${i + 1}) ${optionText(o)}`).join('   ')}${many ? '   (numbers separated by commas)' : ''}`);
    for (;;) {
      const reply = await ask(lines.join('\n'));
      if (reply === undefined || reply.trim().toLowerCase() === 'cancel') return undefined;
      let text = reply.trim();
      if (text === '' && fallback !== undefined) text = fallback;
      if (text === '') {
        if (optional) return null;
        print(`  ${label} is required.`);
        continue;
      }
      if (!choosing) {
        if (type === 'number_input' && !Number.isFinite(Number(text))) {
          print('  That is not a number.');
          continue;
        }
        if (type === 'datepicker') return { type, selected_date: text };
        if (type === 'timepicker') return { type, selected_time: text };
        if (type === 'users_select') return { type, selected_user: text };
        if (type === 'conversations_select') return { type, selected_conversation: text };
        if (type === 'channels_select') return { type, selected_channel: text };
        return { type, value: text };
      }
      const pick = (token: string): Json | undefined => {
        const t = token.trim();
        const byNumber = /^\d+$/.test(t) ? options[Number(t) - 1] : undefined;
        return byNumber ?? options.find((o) => optionText(o).toLowerCase() === t.toLowerCase() || o.value === t);
      };
      if (many) {
        const picks = text.split(',').map(pick);
        if (picks.some((p) => p === undefined)) {
          print(`  Pick numbers from 1 to ${options.length}.`);
          continue;
        }
        return { type, selected_options: picks.filter(isRecord).map(selected) };
      }
      const one = pick(text);
      if (one === undefined) {
        print(`  Pick a number from 1 to ${options.length}.`);
        continue;
      }
      return { type, selected_option: selected(one) };
    }
  };

  /** Walks a person through a form, one prompt per input, until it is submitted or cancelled. */
  const fillForm = async (view: SimView): Promise<void> => {
    const blocks = Array.isArray(view.spec.blocks) ? view.spec.blocks.filter(isRecord) : [];
    const inputs = blocks.filter((b) => b.type === 'input' && typeof b.block_id === 'string' && isRecord(b.element));
    const others = blocks.filter((b) => b.type !== 'input');
    const intro = renderBlocks(others, { numberButtons: false, color, userName }).text;
    print(`── Form: ${plain(view.spec.title)}${intro === '' ? '' : `\n${indent(intro)}`}\n   (answer each question; "cancel" closes the form)`);
    const values: StateValues = {};
    let toAsk = inputs;
    for (;;) {
      for (const block of toAsk) {
        const blockId = String(block.block_id);
        const element = isRecord(block.element) ? block.element : {};
        const actionId = typeof element.action_id === 'string' ? element.action_id : 'value';
        const value = await answer(block, values[blockId]?.[actionId]);
        if (value === undefined) {
          await sim.closeView(userId);
          print('Form closed.');
          return;
        }
        if (value !== null) values[blockId] = { [actionId]: value };
        else delete values[blockId];
      }
      const res = await sim.sendViewSubmission({ userId, viewId: view.id, values });
      if (res.outcome === 'errors') {
        const errors = res.errors ?? {};
        print(['The form has problems:', ...Object.entries(errors).map(([blockId, message]) => {
          const block = inputs.find((b) => b.block_id === blockId);
          return `  ! ${block === undefined ? blockId : plain(block.label)}: ${message}`;
        })].join('\n'));
        const flagged = inputs.filter((b) => typeof b.block_id === 'string' && b.block_id in errors);
        toAsk = flagged.length > 0 ? flagged : inputs;
        continue;
      }
      if (res.outcome === 'failed') print(`The bot answered the form with HTTP ${res.status}.`);
      else if (res.outcome === 'closed' || res.outcome === 'cleared') print('Form sent.');
      // 'updated' and 'pushed' announce the next form through the change handler.
      if (sim.topView(userId) !== undefined && res.outcome === 'closed') formPending = true;
      return;
    }
  };

  sim.on('change', onChange);
  const name = sim.user(userId)?.name ?? userId;
  print(`${sim.botName} console: you are @${name} in ${sim.describeChannel(channelId, userId)}. Type /gpu help, a button's number to press it, "help" or "quit".`);
  if (tty) rl.prompt();

  try {
    for (;;) {
      if (formPending) {
        formPending = false;
        const view = sim.topView(userId);
        if (view !== undefined) await fillForm(view);
        continue;
      }
      const line = inbox.take();
      if (line === undefined) {
        if (inbox.done) break;
        await inbox.wait();
        continue;
      }
      const text = line.trim();
      if (text === '') {
        if (tty) rl.prompt();
        continue;
      }
      if (text === 'quit' || text === 'exit') break;
      try {
        if (text === 'help') {
          print(HELP);
        } else if (text === 'home') {
          await home();
        } else if (text.startsWith('/')) {
          await command(text);
          await settle();
        } else if (/^\[?\d+\]?$/.test(text)) {
          await press(Number(text.replace(/[[\]]/g, '')));
          await settle();
        } else {
          print('Type a /command, a button number, "help" or "quit". (The bot only hears commands and clicks.)');
        }
      } catch (error) {
        print(`Could not reach the bot: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (tty) rl.prompt();
    }
  } finally {
    sim.off('change', onChange);
    rl.close();
    options.onExit?.();
  }
}
