import { BleFrameAssembler, BleNotifier } from './ble-notifications';
import { FaultInjector, seededRandom } from './fault-injector';

function run(seed: number) {
  const notifier = new BleNotifier();
  const link = new FaultInjector({ loss: 0.05, duplicates: 0.05, reordering: 0.05 }, seededRandom(seed));
  const assembler = new BleFrameAssembler();
  const frames: Buffer[] = [];
  for (let index = 0; index < 2000; index++) {
    const frame = Buffer.alloc(40, index & 0xff);
    frame.writeUInt16LE(index, 0);
    for (const notification of notifier.notify(frame).flatMap((each) => link.push(each))) frames.push(...assembler.push(notification));
  }
  for (const notification of link.flush()) frames.push(...assembler.push(notification));
  frames.push(...assembler.flush());
  return { frames, link: link.counts, assembly: assembler.counts };
}

describe('fault injection', () => {
  it('loses, duplicates and reorders about the shares asked for, the same way for the same seed', () => {
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(run(8).link).not.toEqual(first.link);
    for (const count of [first.link.lost, first.link.duplicated, first.link.reordered]) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(160);
    }
  });

  it('gives the app frames in order, each at most once, with every duplicate dropped and every loss counted', () => {
    const { frames, link, assembly } = run(3);
    const indexes = frames.map((frame) => frame.readUInt16LE(0));
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(indexes).size).toBe(indexes.length);
    // A repeat right after its original is a duplicate; a swapped-back notification (and any repeat of it) comes late.
    expect(assembly.duplicates + assembly.late).toBe(link.duplicated + link.reordered);
    expect(assembly.late).toBeGreaterThanOrEqual(link.reordered);
    // Each loss and each swap of neighbours shows as ids missing (but a loss or swap at the very end, which no later id reveals).
    expect(assembly.gaps).toBeLessThanOrEqual(link.lost + link.reordered);
    expect(assembly.gaps).toBeGreaterThanOrEqual(link.lost + link.reordered - 2);
    expect(frames.length).toBeGreaterThan(2000 * 0.7);
    expect(frames.length).toBeLessThan(2000);
  });

  it('refuses rates outside 0–1', () => {
    expect(() => new FaultInjector({ loss: 1.5 })).toThrow(/loss/);
  });
});
