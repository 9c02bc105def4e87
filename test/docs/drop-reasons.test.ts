import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Every reason the publishers count a dropped event for is written down where the READMEs list them. */
describe('the drop reasons in the READMEs', () => {
  const root = path.resolve(__dirname, '../..');
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  const source = read('packages/events/src/publisher-metrics.ts');
  const union = source.match(/export type DropReason =([\s\S]*?);/)![1];
  const reasons = [...union.matchAll(/\|\s*'([a-z_]+)'/g)].map((match) => match[1]);

  it('are read from DropReason', () => {
    expect(reasons).toEqual(expect.arrayContaining(['queue_full', 'spool_full', 'event_too_large', 'invalid_event', 'closed']));
  });

  it.each(['README.md', 'packages/events/README.md'])('are all named in %s', (file) => {
    const text = read(file);
    expect(reasons.filter((reason) => !text.includes(`\`${reason}\``))).toEqual([]);
  });

  it('are each dropped somewhere in the publishers', () => {
    const publishers = ['kafka-event-publisher.ts', 'in-process-event-bus.ts', 'publisher-thread/kafka-event-publisher-thread.ts']
      .map((file) => read(`packages/events/src/${file}`))
      .join('\n');
    expect(reasons.filter((reason) => !publishers.includes(`drop('${reason}'`))).toEqual([]);
  });
});
