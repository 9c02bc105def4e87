'use strict';

/**
 * bench/RESULTS.md holds the gateway report (written whole by the gateway
 * scenario) followed by a section "## Events", the last one, made of one
 * block per event scenario between `<!-- events:NAME -->` and
 * `<!-- /events:NAME -->`. Each event scenario replaces its own block, so
 * they can run alone; the gateway scenario keeps the section as it was.
 * A block `summary`, written by hand, is kept as it is.
 */

const fs = require('node:fs');

const EVENTS_HEADING = '## Events';
const EVENTS_INTRO =
  'What recording requests costs: publishing from the gateway (`node bench/run.js publish`) and consuming from Kafka into Postgres ' +
  '(`node bench/run.js consume`). Each part below is rewritten by its own scenario; see [README.md](README.md#events) for the method.';
/**
 * The order of the blocks in the section. `summary` is written by hand (what
 * the figures of a given date mean); no scenario rewrites it.
 */
const BLOCK_ORDER = ['summary', 'publish', 'consume'];

function readOrEmpty(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The "## Events" section of a results file, from its heading to the end, or ''. */
function eventsSectionOf(text) {
  const at = text.search(/^## Events$/m);
  return at === -1 ? '' : text.slice(at);
}

function blockPattern(name) {
  return new RegExp(`<!-- events:${name} -->[\\s\\S]*?<!-- /events:${name} -->`);
}

/** Writes `markdown` as the block `name` of the Events section of `file`, leaving the rest of the file as it was. */
function writeEventsBlock(file, name, markdown) {
  const text = readOrEmpty(file);
  const section = eventsSectionOf(text);
  const before = section ? text.slice(0, text.length - section.length) : text.trimEnd() + (text.trim() ? '\n\n' : '');
  const blocks = Object.fromEntries(BLOCK_ORDER.map((block) => [block, section.match(blockPattern(block))?.[0]]));
  blocks[name] = `<!-- events:${name} -->\n${markdown.trim()}\n<!-- /events:${name} -->`;
  const body = BLOCK_ORDER.filter((block) => blocks[block]).map((block) => blocks[block]);
  fs.writeFileSync(file, `${before}${EVENTS_HEADING}\n\n${EVENTS_INTRO}\n\n${body.join('\n\n')}\n`);
}

module.exports = { eventsSectionOf, writeEventsBlock };
