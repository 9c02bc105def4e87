import type { ModelMatch } from './catalog-types';

/** Whether a model name satisfies a rule; text comparisons ignore case, as the price data intends. */
export function matchesModel(match: ModelMatch, model: string): boolean {
  const name = model.toLowerCase();
  if ('or' in match) return match.or.some((clause) => matchesModel(clause, model));
  if ('and' in match) return match.and.every((clause) => matchesModel(clause, model));
  if ('equals' in match) return name === match.equals.toLowerCase();
  if ('startsWith' in match) return name.startsWith(match.startsWith.toLowerCase());
  if ('endsWith' in match) return name.endsWith(match.endsWith.toLowerCase());
  if ('contains' in match) return name.includes(match.contains.toLowerCase());
  return new RegExp(match.regex).test(model);
}
