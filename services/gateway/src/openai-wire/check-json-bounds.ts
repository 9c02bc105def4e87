import { invalidRequest } from '@switchyard/shared';

export interface JsonBounds {
  maxDepth: number;
  maxValues: number;
}

/** Where a value sits: its parent's frame and its own key, so a path is built only when one is reported. */
interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

const MAX_PARAM_LENGTH = 256;

/**
 * Checks the nesting depth and the number of values of a parsed JSON body in
 * one iterative pass, before anything recursive (schema validation, re-encoding
 * for a provider, protobuf conversion) walks it: a body nested 10,000 levels
 * deep would otherwise overflow the stack of whatever touches it first.
 * Throws a 400 whose `param` is the path of the first value past a bound.
 */
export function checkJsonBounds(body: unknown, bounds: JsonBounds): void {
  const stack: Frame[] = [{ value: body, depth: 0, parent: undefined, key: undefined }];
  let values = 1;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value } = frame;
    if (typeof value !== 'object' || value === null) continue;
    if (frame.depth >= bounds.maxDepth) {
      throw invalidRequest(`The request nests arrays and objects more than ${bounds.maxDepth} levels deep.`, pathOf(frame), 'json_above_max_depth');
    }
    // Counted before they are stacked: a huge flat array is refused without a frame per element.
    values += Array.isArray(value) ? value.length : Object.keys(value).length;
    if (values > bounds.maxValues) {
      throw invalidRequest(
        `The request holds more than ${bounds.maxValues} JSON values (objects, arrays, strings, numbers…) in all.`,
        pathOf(frame),
        'json_above_max_size',
      );
    }
    const depth = frame.depth + 1;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) stack.push({ value: value[index], depth, parent: frame, key: index });
    } else {
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index -= 1) {
        const key = keys[index];
        stack.push({ value: (value as Record<string, unknown>)[key], depth, parent: frame, key });
      }
    }
  }
}

/** `tools[0].function.parameters.properties`, cut to a readable length. */
function pathOf(frame: Frame): string | null {
  const keys: (string | number)[] = [];
  for (let current: Frame | undefined = frame; current?.key !== undefined; current = current.parent) keys.push(current.key);
  if (keys.length === 0) return null;
  let text = '';
  for (let index = keys.length - 1; index >= 0; index -= 1) {
    const key = keys[index];
    text += typeof key === 'number' ? `[${key}]` : text === '' ? key : `.${key}`;
    if (text.length > MAX_PARAM_LENGTH) return `${text.slice(0, MAX_PARAM_LENGTH)}…`;
  }
  return text;
}
