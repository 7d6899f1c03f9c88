/**
 * Turns Block Kit into terminal text for the chat console, numbering every button so a person can press it
 * by typing its number.
 */

type Json = Record<string, unknown>;

export interface ConfirmDialog {
  title: string;
  text: string;
  confirm: string;
  deny: string;
}

/** A pressable thing on screen: a button, or one option of an overflow menu or a select menu. */
export interface RenderedButton {
  n: number;
  label: string;
  actionId: string;
  blockId: string;
  /** Which message (or view) it belongs to, as the caller named it. */
  messageRef: string;
  /** The element type Slack reports in the click: `button`, `overflow` or `static_select`. */
  elementType: string;
  value?: string;
  /** For a menu option: what Slack sends as `selected_option`. */
  selectedOption?: { text: { type: 'plain_text'; text: string; emoji: boolean }; value: string };
  url?: string;
  style?: string;
  confirm?: ConfirmDialog;
}

export interface Rendered {
  text: string;
  buttons: RenderedButton[];
}

export interface RenderOptions extends TextOptions {
  /** The number the first button gets; numbers keep counting up across messages. Default 1. */
  firstButton?: number;
  messageRef?: string;
  /** Show buttons without numbers (e.g. in a modal that is being filled in prompt by prompt). */
  numberButtons?: boolean;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export interface TextOptions {
  /** Bold through ANSI escapes; off unless asked for (tests and pipes want plain text). */
  color?: boolean;
  /** Names people in `<@U...>` mentions; the id stays when it answers undefined. */
  userName?: (userId: string) => string | undefined;
}

const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/**
 * Minimal mrkdwn to text: `<url|label>` becomes `label (url)`, mentions and channel links become
 * `@name`/`#name`, `*bold*` loses its stars (or turns bold in colour), `_italic_` its underscores, and
 * Slack's `&amp;`/`&lt;`/`&gt;` escapes are undone.
 */
export function mrkdwnToText(text: string, options: TextOptions = {}): string {
  const color = options.color === true;
  let out = text.replace(/<([^<>]+)>/g, (_match, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? undefined : inner.slice(bar + 1);
    if (target.startsWith('@')) {
      const name = label ?? options.userName?.(target.slice(1));
      return name === undefined ? target : `@${name.replace(/^@/, '')}`;
    }
    if (target.startsWith('#')) return label === undefined ? target : `#${label}`;
    if (target.startsWith('!')) {
      if (label !== undefined) return label;
      const special = target.slice(1).split('^')[0] ?? '';
      return `@${special}`;
    }
    if (label === undefined || label === target) return target;
    return `${label} (${target})`;
  });
  out = out.replace(/(^|[\s([{"'])\*([^*\n]+)\*(?=$|[\s)\]}.,!?:;"'])/gm, (_m, before: string, inner: string) =>
    color ? `${before}${BOLD}${inner}${RESET}` : `${before}${inner}`,
  );
  out = out.replace(/(^|[\s([{"'])_([^_\n]+)_(?=$|[\s)\]}.,!?:;"'])/gm, '$1$2');
  return out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The text of a `{type, text}` object; mrkdwn converted, plain_text as is. */
function textOf(value: unknown, options: TextOptions): string {
  if (!isRecord(value)) return '';
  const text = asString(value.text) ?? '';
  return value.type === 'mrkdwn' ? mrkdwnToText(text, options) : text;
}

function confirmOf(value: unknown): ConfirmDialog | undefined {
  if (!isRecord(value)) return undefined;
  return {
    title: textOf(value.title, {}),
    text: textOf(value.text, {}),
    confirm: textOf(value.confirm, {}) || 'Yes',
    deny: textOf(value.deny, {}) || 'Cancel',
  };
}

function optionsOf(element: Json): Json[] {
  const options: Json[] = [];
  if (Array.isArray(element.options)) options.push(...element.options.filter(isRecord));
  if (Array.isArray(element.option_groups)) {
    for (const group of element.option_groups) {
      if (isRecord(group) && Array.isArray(group.options)) options.push(...group.options.filter(isRecord));
    }
  }
  return options;
}

const DIVIDER = '─'.repeat(40);

/** What an input element asks for, in a few words. */
function describeInput(element: Json, options: TextOptions): string {
  const type = asString(element.type) ?? '';
  const placeholder = textOf(element.placeholder, options);
  const choices = optionsOf(element).map((o) => textOf(o.text, options));
  switch (type) {
    case 'static_select':
    case 'radio_buttons':
      return `[choose one: ${choices.join(' | ')}]`;
    case 'multi_static_select':
    case 'checkboxes':
      return `[choose any: ${choices.join(' | ')}]`;
    case 'number_input':
      return `[number${placeholder ? `: ${placeholder}` : ''}]`;
    case 'datepicker':
      return '[date YYYY-MM-DD]';
    case 'timepicker':
      return '[time HH:MM]';
    case 'users_select':
    case 'multi_users_select':
      return '[person]';
    case 'conversations_select':
    case 'channels_select':
    case 'multi_conversations_select':
    case 'multi_channels_select':
      return '[channel]';
    default:
      return `[${placeholder || 'text'}]`;
  }
}

class Renderer {
  readonly lines: string[] = [];
  readonly buttons: RenderedButton[] = [];
  private next: number;

  constructor(private readonly options: RenderOptions) {
    this.next = options.firstButton ?? 1;
  }

  private get color(): boolean {
    return this.options.color === true;
  }

  /** Registers a pressable thing and returns how it shows: `[3] Stop`. */
  private press(label: string, actionId: string, blockId: string, elementType: string, element: Json, option?: Json): string {
    const numbered = this.options.numberButtons !== false;
    if (!numbered) return `[${label}]`;
    const n = this.next;
    this.next += 1;
    const button: RenderedButton = { n, label, actionId, blockId, messageRef: this.options.messageRef ?? '', elementType };
    const value = option === undefined ? asString(element.value) : asString(option.value);
    if (value !== undefined) button.value = value;
    if (option !== undefined && value !== undefined) {
      button.selectedOption = { text: { type: 'plain_text', text: label, emoji: true }, value };
    }
    const url = asString(option?.url ?? element.url);
    if (url !== undefined) button.url = url;
    const style = asString(element.style);
    if (style !== undefined) button.style = style;
    const confirm = confirmOf(element.confirm);
    if (confirm !== undefined) button.confirm = confirm;
    this.buttons.push(button);
    return `[${n}] ${label}`;
  }

  /** Renders an interactive element as it sits in an actions block or a section accessory. */
  private element(element: unknown, blockId: string): string {
    if (!isRecord(element)) return '';
    const type = asString(element.type) ?? '';
    const actionId = asString(element.action_id) ?? '';
    switch (type) {
      case 'button':
      case 'workflow_button':
        return this.press(textOf(element.text, {}) || actionId, actionId, blockId, 'button', element);
      case 'overflow':
      case 'static_select': {
        const heading = type === 'overflow' ? '⋯' : `${textOf(element.placeholder, {}) || 'Choose'}:`;
        const choices = optionsOf(element).map((o) => this.press(textOf(o.text, {}), actionId, blockId, type, element, o));
        return `${heading} ${choices.join('  ')}`;
      }
      case 'image':
        return `[image: ${asString(element.alt_text) ?? ''}]`;
      default:
        return describeInput(element, this.options);
    }
  }

  block(block: unknown): void {
    if (!isRecord(block)) return;
    const blockId = asString(block.block_id) ?? '';
    switch (block.type) {
      case 'header': {
        const text = textOf(block.text, {});
        this.lines.push(this.color ? `${BOLD}${text}${RESET}` : `== ${text} ==`);
        break;
      }
      case 'section': {
        if (block.text !== undefined) this.lines.push(...textOf(block.text, this.options).split('\n'));
        if (Array.isArray(block.fields)) {
          for (const field of block.fields) this.lines.push(`  ${textOf(field, this.options).replace(/\n+/g, ' ')}`);
        }
        if (block.accessory !== undefined) {
          const shown = this.element(block.accessory, blockId);
          if (shown !== '') this.lines.push(shown);
        }
        break;
      }
      case 'context': {
        const parts = Array.isArray(block.elements)
          ? block.elements.map((e) => (isRecord(e) && e.type === 'image' ? `[${asString(e.alt_text) ?? 'image'}]` : textOf(e, this.options)))
          : [];
        this.lines.push(parts.join('  ·  '));
        break;
      }
      case 'divider':
        this.lines.push(DIVIDER);
        break;
      case 'actions': {
        const parts = Array.isArray(block.elements) ? block.elements.map((e) => this.element(e, blockId)) : [];
        this.lines.push(parts.filter((p) => p !== '').join('  '));
        break;
      }
      case 'image': {
        const title = textOf(block.title, {});
        const url = asString(block.image_url);
        this.lines.push(`[image: ${title || (asString(block.alt_text) ?? '')}]${url === undefined ? '' : ` (${url})`}`);
        break;
      }
      case 'input': {
        const label = textOf(block.label, {});
        const element = isRecord(block.element) ? block.element : {};
        const optional = block.optional === true ? ' (optional)' : '';
        this.lines.push(`${label}${optional}: ${describeInput(element, this.options)}`);
        const hint = textOf(block.hint, {});
        if (hint !== '') this.lines.push(`  ${hint}`);
        break;
      }
      case 'markdown':
        this.lines.push(...mrkdwnToText(asString(block.text) ?? '', this.options).split('\n'));
        break;
      case 'rich_text':
        this.lines.push(...richText(block.elements).split('\n'));
        break;
      case 'video':
        this.lines.push(`[video: ${textOf(block.title, {})}]`);
        break;
      case 'file':
        this.lines.push('[file]');
        break;
      default:
        this.lines.push(`[${String(block.type)} block]`);
    }
  }
}

/** Flattens rich_text elements to their text. */
function richText(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return value
    .map((element) => {
      if (!isRecord(element)) return '';
      if (typeof element.text === 'string') return element.text;
      if (element.type === 'link') return asString(element.url) ?? '';
      if (element.type === 'user') return `@${asString(element.user_id) ?? ''}`;
      if (element.type === 'channel') return `#${asString(element.channel_id) ?? ''}`;
      if (element.type === 'emoji') return `:${asString(element.name) ?? ''}:`;
      const inner = richText(element.elements);
      if (element.type === 'rich_text_list') return inner;
      if (element.type === 'rich_text_section' || element.type === 'rich_text_preformatted' || element.type === 'rich_text_quote') {
        return `${inner}\n`;
      }
      return inner;
    })
    .join('')
    .replace(/\n$/, '');
}

/**
 * Renders blocks as lines of text. Every button (and every option of an overflow or select menu) gets a
 * number, counting from `firstButton`, and is returned so the caller can press it.
 */
export function renderBlocks(blocks: unknown, options: RenderOptions = {}): Rendered {
  const r = new Renderer(options);
  if (Array.isArray(blocks)) for (const block of blocks) r.block(block);
  return { text: r.lines.join('\n'), buttons: r.buttons };
}

/** Renders a message: its blocks, or its text when it has none (the text is only a fallback otherwise). */
export function renderMessage(message: { text?: string; blocks?: unknown }, options: RenderOptions = {}): Rendered {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) return renderBlocks(message.blocks, options);
  return { text: mrkdwnToText(message.text ?? '', options), buttons: [] };
}
