import type { GeminiPartialArg } from './gemini-api';

type Segment = string | number;

/**
 * The arguments of a function call that Gemini streams value by value
 * (`streamFunctionCallArguments`): each `partialArgs` entry sets one leaf at
 * a JSON path (`$.recipe.ingredients[0].name`), and a string leaf may arrive
 * in pieces (`willContinue`). The object is built as they come and written
 * as JSON text once the call is complete.
 */
export class StreamedFunctionCallArguments {
  private readonly root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  add(partialArgs: readonly GeminiPartialArg[]): void {
    for (const arg of partialArgs) {
      const segments = parseJsonPath(arg.jsonPath);
      if (segments.length === 0) continue;
      const value = leafValue(arg);
      if (value === undefined) continue;
      let container: Record<Segment, unknown> = this.root;
      for (let index = 0; index < segments.length - 1; index++) {
        const segment = segments[index];
        let next = container[segment];
        if (next === null || typeof next !== 'object') {
          next = typeof segments[index + 1] === 'number' ? [] : (Object.create(null) as Record<string, unknown>);
          define(container, segment, next);
        }
        container = next as Record<Segment, unknown>;
      }
      const leaf = segments[segments.length - 1];
      const existing = container[leaf];
      // A string that continues: this piece is appended to what came before.
      define(container, leaf, typeof value === 'string' && typeof existing === 'string' ? existing + value : value);
    }
  }

  toJson(): string {
    return JSON.stringify(this.root);
  }
}

function leafValue(arg: GeminiPartialArg): unknown {
  if (arg.stringValue != null) return arg.stringValue;
  if (arg.numberValue != null) return arg.numberValue;
  if (arg.boolValue != null) return arg.boolValue;
  if ('nullValue' in arg) return null;
  return undefined;
}

/** Own data properties only, so a key such as `__proto__` cannot reach a prototype. */
function define(container: Record<Segment, unknown>, key: Segment, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, configurable: true, writable: true });
}

/** `$.recipe.ingredients[0].name` → `['recipe', 'ingredients', 0, 'name']`. */
export function parseJsonPath(path: string): Segment[] {
  const segments: Segment[] = [];
  const body = path.replace(/^\$\.?/, '');
  for (const piece of body.split('.')) {
    if (piece === '') continue;
    const bracket = piece.indexOf('[');
    if (bracket === -1) {
      segments.push(piece);
      continue;
    }
    if (bracket > 0) segments.push(piece.slice(0, bracket));
    for (const match of piece.matchAll(/\[(\d+)\]/g)) segments.push(Number(match[1]));
  }
  return segments;
}
