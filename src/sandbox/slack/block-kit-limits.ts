/**
 * Checks a message or a view against Slack's Block Kit limits (see REFERENCE.md "Block Kit limits"), so the
 * simulator refuses what Slack would refuse instead of letting an oversize message pass in tests.
 */

export type BlockKitSurface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Slack counts characters, not UTF-16 code units, so an emoji counts once. */
function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

const BLOCK_TYPES = new Set([
  'section',
  'divider',
  'image',
  'actions',
  'context',
  'input',
  'file',
  'header',
  'video',
  'rich_text',
  'markdown',
]);

const SELECTS_WITH_OPTIONS = new Set(['static_select', 'multi_static_select']);
const OTHER_SELECTS = new Set([
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
]);
const PICKERS = new Set(['datepicker', 'timepicker', 'datetimepicker']);
const TEXT_INPUTS = new Set(['plain_text_input', 'email_text_input', 'url_text_input', 'number_input']);

/** Elements allowed in an `actions` block. */
const ACTIONS_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'overflow',
  'radio_buttons',
  'workflow_button',
  'rich_text_input',
  ...SELECTS_WITH_OPTIONS,
  ...OTHER_SELECTS,
  ...PICKERS,
]);
/** Elements allowed as a section's accessory. */
const ACCESSORY_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'image',
  'overflow',
  'radio_buttons',
  'workflow_button',
  ...SELECTS_WITH_OPTIONS,
  ...OTHER_SELECTS,
  ...PICKERS,
]);
/** Elements allowed in an `input` block. */
const INPUT_ELEMENTS = new Set([
  'checkboxes',
  'radio_buttons',
  'file_input',
  'rich_text_input',
  ...SELECTS_WITH_OPTIONS,
  ...OTHER_SELECTS,
  ...PICKERS,
  ...TEXT_INPUTS,
]);

interface TextRule {
  what: string;
  max: number;
  required?: boolean;
  plainOnly?: boolean;
}

class Checker {
  readonly problems: string[] = [];
  private readonly blockIds = new Set<string>();

  constructor(private readonly surface: BlockKitSurface) {}

  report(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  maxChars(path: string, what: string, value: string, max: number): void {
    const n = charCount(value);
    if (n > max) this.report(path, `${what} is ${n} characters; the limit is ${max}`);
  }

  /** A `{type: 'plain_text'|'mrkdwn', text}` object. */
  text(path: string, value: unknown, rule: TextRule): void {
    if (value === undefined) {
      if (rule.required === true) this.report(path, `${rule.what} is required`);
      return;
    }
    if (!isRecord(value)) {
      this.report(path, `${rule.what} must be a text object {type, text}`);
      return;
    }
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
      this.report(`${path}.type`, `${rule.what} has type ${JSON.stringify(value.type)}; expected plain_text or mrkdwn`);
    } else if (rule.plainOnly === true && value.type !== 'plain_text') {
      this.report(`${path}.type`, `${rule.what} must be plain_text, not ${value.type}`);
    }
    if (typeof value.text !== 'string') {
      this.report(`${path}.text`, `${rule.what} needs a string text`);
      return;
    }
    if (value.text.length === 0) this.report(`${path}.text`, `${rule.what} must not be empty`);
    this.maxChars(`${path}.text`, rule.what, value.text, rule.max);
  }

  optionalString(path: string, what: string, value: unknown, max: number): void {
    if (value === undefined) return;
    if (typeof value !== 'string') {
      this.report(path, `${what} must be a string`);
      return;
    }
    this.maxChars(path, what, value, max);
  }

  requiredString(path: string, what: string, value: unknown, max: number): void {
    if (value === undefined || value === '') {
      this.report(path, `${what} is required`);
      return;
    }
    this.optionalString(path, what, value, max);
  }

  list(path: string, what: string, value: unknown, min: number, max: number): unknown[] {
    if (value === undefined) {
      if (min > 0) this.report(path, `${what} is required`);
      return [];
    }
    if (!Array.isArray(value)) {
      this.report(path, `${what} must be an array`);
      return [];
    }
    if (value.length < min) this.report(path, `${what} needs at least ${min} item${min === 1 ? '' : 's'}`);
    if (value.length > max) this.report(path, `${what} has ${value.length} items; the limit is ${max}`);
    return value;
  }

  blocks(path: string, value: unknown, max: number): void {
    const blocks = this.list(path, 'blocks', value, 0, max);
    blocks.forEach((block, i) => this.block(`${path}[${i}]`, block));
  }

  block(path: string, block: unknown): void {
    if (!isRecord(block)) {
      this.report(path, 'a block must be an object');
      return;
    }
    const type = block.type;
    if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) {
      this.report(`${path}.type`, `unknown block type ${JSON.stringify(type)}`);
      return;
    }
    if (block.block_id !== undefined) {
      this.requiredString(`${path}.block_id`, 'block_id', block.block_id, 255);
      if (typeof block.block_id === 'string') {
        if (this.blockIds.has(block.block_id)) {
          this.report(`${path}.block_id`, `duplicate block_id ${JSON.stringify(block.block_id)}`);
        }
        this.blockIds.add(block.block_id);
      }
    }
    switch (type) {
      case 'section':
        this.section(path, block);
        break;
      case 'header':
        this.text(`${path}.text`, block.text, { what: 'header text', max: 150, required: true, plainOnly: true });
        break;
      case 'context':
        this.context(path, block);
        break;
      case 'actions':
        this.actions(path, block);
        break;
      case 'image':
        this.image(path, block, 'image block');
        this.text(`${path}.title`, block.title, { what: 'image title', max: 2000, plainOnly: true });
        break;
      case 'input':
        this.input(path, block);
        break;
      case 'rich_text':
        this.list(`${path}.elements`, 'rich_text elements', block.elements, 1, Number.POSITIVE_INFINITY);
        break;
      case 'markdown':
        if (this.surface !== 'message') this.report(`${path}.type`, 'markdown blocks are only allowed in messages');
        this.requiredString(`${path}.text`, 'markdown text', block.text, 12000);
        break;
      case 'video':
        this.requiredString(`${path}.alt_text`, 'video alt_text', block.alt_text, 2000);
        this.text(`${path}.title`, block.title, { what: 'video title', max: 200, required: true, plainOnly: true });
        this.requiredString(`${path}.thumbnail_url`, 'video thumbnail_url', block.thumbnail_url, 3000);
        this.requiredString(`${path}.video_url`, 'video video_url', block.video_url, 3000);
        break;
      case 'file':
        this.requiredString(`${path}.external_id`, 'file external_id', block.external_id, 255);
        this.requiredString(`${path}.source`, 'file source', block.source, 255);
        break;
      default:
        // divider has nothing to check
        break;
    }
  }

  section(path: string, block: Json): void {
    if (block.text === undefined && block.fields === undefined) {
      this.report(path, 'a section needs text or fields');
    }
    this.text(`${path}.text`, block.text, { what: 'section text', max: 3000 });
    const fields = this.list(`${path}.fields`, 'section fields', block.fields, 0, 10);
    fields.forEach((field, i) => this.text(`${path}.fields[${i}]`, field, { what: 'section field', max: 2000, required: true }));
    if (block.accessory !== undefined) {
      this.element(`${path}.accessory`, block.accessory, ACCESSORY_ELEMENTS, 'a section accessory', new Set());
    }
  }

  context(path: string, block: Json): void {
    const elements = this.list(`${path}.elements`, 'context elements', block.elements, 1, 10);
    elements.forEach((element, i) => {
      const at = `${path}.elements[${i}]`;
      if (isRecord(element) && element.type === 'image') this.image(at, element, 'context image');
      else this.text(at, element, { what: 'context text', max: 3000, required: true });
    });
  }

  actions(path: string, block: Json): void {
    const elements = this.list(`${path}.elements`, 'actions elements', block.elements, 1, 25);
    const actionIds = new Set<string>();
    elements.forEach((element, i) => this.element(`${path}.elements[${i}]`, element, ACTIONS_ELEMENTS, 'an actions block', actionIds));
  }

  input(path: string, block: Json): void {
    this.text(`${path}.label`, block.label, { what: 'input label', max: 2000, required: true, plainOnly: true });
    this.text(`${path}.hint`, block.hint, { what: 'input hint', max: 2000, plainOnly: true });
    if (block.optional !== undefined && typeof block.optional !== 'boolean') {
      this.report(`${path}.optional`, 'optional must be a boolean');
    }
    if (block.element === undefined) {
      this.report(`${path}.element`, 'an input block needs an element');
      return;
    }
    this.element(`${path}.element`, block.element, INPUT_ELEMENTS, 'an input block', new Set());
  }

  image(path: string, image: Json, what: string): void {
    if (image.image_url === undefined && image.slack_file === undefined) {
      this.report(path, `${what} needs image_url or slack_file`);
    }
    this.optionalString(`${path}.image_url`, `${what} image_url`, image.image_url, 3000);
    this.requiredString(`${path}.alt_text`, `${what} alt_text`, image.alt_text, 2000);
  }

  element(path: string, element: unknown, allowed: ReadonlySet<string>, where: string, actionIds: Set<string>): void {
    if (!isRecord(element)) {
      this.report(path, 'an element must be an object');
      return;
    }
    const type = element.type;
    if (typeof type !== 'string' || !allowed.has(type)) {
      this.report(`${path}.type`, `element type ${JSON.stringify(type)} is not allowed in ${where}`);
      return;
    }
    if (type === 'image') {
      this.image(path, element, 'image element');
      return;
    }
    // Slack would invent an action_id, but then the bot could not recognise the element it built.
    this.requiredString(`${path}.action_id`, 'action_id', element.action_id, 255);
    if (typeof element.action_id === 'string') {
      if (actionIds.has(element.action_id)) {
        this.report(`${path}.action_id`, `duplicate action_id ${JSON.stringify(element.action_id)} in one block`);
      }
      actionIds.add(element.action_id);
    }
    if (element.confirm !== undefined) this.confirm(`${path}.confirm`, element.confirm);
    this.text(`${path}.placeholder`, element.placeholder, { what: 'placeholder', max: 150, plainOnly: true });

    if (type === 'button') {
      this.text(`${path}.text`, element.text, { what: 'button text', max: 75, required: true, plainOnly: true });
      this.optionalString(`${path}.value`, 'button value', element.value, 2000);
      this.optionalString(`${path}.url`, 'button url', element.url, 3000);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        this.report(`${path}.style`, `button style must be primary or danger, not ${JSON.stringify(element.style)}`);
      }
    } else if (SELECTS_WITH_OPTIONS.has(type)) {
      if (element.options === undefined && element.option_groups === undefined) {
        this.report(path, `${type} needs options or option_groups`);
      }
      this.options(`${path}.options`, element.options, 0, 100, true);
      const groups = this.list(`${path}.option_groups`, 'option_groups', element.option_groups, 0, 100);
      groups.forEach((group, i) => {
        const at = `${path}.option_groups[${i}]`;
        if (!isRecord(group)) {
          this.report(at, 'an option group must be an object');
          return;
        }
        this.text(`${at}.label`, group.label, { what: 'option group label', max: 75, required: true, plainOnly: true });
        this.options(`${at}.options`, group.options, 1, 100, true);
      });
    } else if (type === 'overflow') {
      this.options(`${path}.options`, element.options, 1, 5, true);
    } else if (type === 'radio_buttons' || type === 'checkboxes') {
      this.options(`${path}.options`, element.options, 1, 10, false);
    } else if (type === 'plain_text_input') {
      this.optionalString(`${path}.initial_value`, 'initial_value', element.initial_value, 3000);
      for (const key of ['min_length', 'max_length'] as const) {
        const n = element[key];
        if (n !== undefined && (typeof n !== 'number' || n < 0 || n > 3000)) {
          this.report(`${path}.${key}`, `${key} must be a number from 0 to 3000`);
        }
      }
    } else if (type === 'number_input') {
      if (typeof element.is_decimal_allowed !== 'boolean') {
        this.report(`${path}.is_decimal_allowed`, 'number_input needs is_decimal_allowed (boolean)');
      }
    }
  }

  options(path: string, value: unknown, min: number, max: number, plainOnly: boolean): void {
    const options = this.list(path, 'options', value, min, max);
    options.forEach((option, i) => {
      const at = `${path}[${i}]`;
      if (!isRecord(option)) {
        this.report(at, 'an option must be an object');
        return;
      }
      this.text(`${at}.text`, option.text, { what: 'option text', max: 75, required: true, plainOnly });
      this.requiredString(`${at}.value`, 'option value', option.value, 75);
      this.text(`${at}.description`, option.description, { what: 'option description', max: 75, plainOnly });
      this.optionalString(`${at}.url`, 'option url', option.url, 3000);
    });
  }

  confirm(path: string, value: unknown): void {
    if (!isRecord(value)) {
      this.report(path, 'a confirm dialog must be an object');
      return;
    }
    this.text(`${path}.title`, value.title, { what: 'confirm title', max: 100, required: true, plainOnly: true });
    this.text(`${path}.text`, value.text, { what: 'confirm text', max: 300, required: true });
    this.text(`${path}.confirm`, value.confirm, { what: 'confirm button', max: 30, required: true, plainOnly: true });
    this.text(`${path}.deny`, value.deny, { what: 'deny button', max: 30, required: true, plainOnly: true });
    if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') {
      this.report(`${path}.style`, `confirm style must be primary or danger, not ${JSON.stringify(value.style)}`);
    }
  }
}

function checkMessage(c: Checker, payload: unknown): void {
  const message = Array.isArray(payload) ? { blocks: payload } : payload;
  if (!isRecord(message)) {
    c.report('message', 'must be an object');
    return;
  }
  if (message.text !== undefined) {
    if (typeof message.text !== 'string') c.report('text', 'message text must be a string');
    else c.maxChars('text', 'message text', message.text, 40000);
  }
  c.blocks('blocks', message.blocks, 50);
}

function checkView(c: Checker, surface: 'modal' | 'home', view: unknown): void {
  if (!isRecord(view)) {
    c.report('view', 'must be an object');
    return;
  }
  if (view.type !== surface) c.report('view.type', `expected ${JSON.stringify(surface)}, got ${JSON.stringify(view.type)}`);
  if (surface === 'modal') {
    c.text('view.title', view.title, { what: 'modal title', max: 24, required: true, plainOnly: true });
    c.text('view.submit', view.submit, { what: 'modal submit', max: 24, plainOnly: true });
    c.text('view.close', view.close, { what: 'modal close', max: 24, plainOnly: true });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) c.report('view.submit', 'a modal with input blocks needs a submit button');
  }
  c.optionalString('view.private_metadata', 'private_metadata', view.private_metadata, 3000);
  c.optionalString('view.callback_id', 'callback_id', view.callback_id, 255);
  c.optionalString('view.external_id', 'external_id', view.external_id, 255);
  if (view.blocks === undefined) c.report('view.blocks', 'a view needs blocks');
  c.blocks('view.blocks', view.blocks, 100);
}

/**
 * Returns every way `payload` breaks Slack's Block Kit rules for `surface`; empty means Slack would accept it.
 * For `message`, `payload` is `{ text?, blocks? }` (or a bare blocks array); for `modal` and `home`, the view.
 * Each entry reads `<path>: <problem>`, e.g. `blocks[2].text.text: section text is 3012 characters; the limit is 3000`.
 */
export function checkBlockKit(surface: BlockKitSurface, payload: unknown): string[] {
  const c = new Checker(surface);
  if (surface === 'message') checkMessage(c, payload);
  else checkView(c, surface, payload);
  return c.problems;
}
