import { BleFrameAssembler, BleNotifier } from './ble-notifications';

function frame(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (index * 7 + seed) & 0xff));
}

describe('Bluetooth framing', () => {
  it('splits a long frame into numbered fragments behind the 3-byte header', () => {
    const notifier = new BleNotifier(23, 0x1234);
    const notifications = notifier.notify(frame(45, 1));
    expect(notifications.map((notification) => notification.length)).toEqual([23, 23, 8]);
    expect(notifications.map((notification) => [...notification.subarray(0, 3)])).toEqual([
      [0x34, 0x12, 0],
      [0x35, 0x12, 1],
      [0x36, 0x12, 2],
    ]);
  });

  it('reassembles frames in order across the id wrap at 65535, a frame ending when the next fragment 0 arrives', () => {
    const notifier = new BleNotifier(23, 65_530);
    const assembler = new BleFrameAssembler();
    const frames = [frame(40, 1), frame(10, 2), frame(60, 3), frame(20, 4)];
    const received = frames.flatMap((each) => notifier.notify(each)).flatMap((notification) => assembler.push(notification));
    expect(received).toEqual(frames.slice(0, 3));
    expect(assembler.flush()).toEqual([frames[3]]);
    expect(assembler.counts).toMatchObject({ frames: 4, gaps: 0, duplicates: 0, late: 0, droppedFrames: 0 });
  });

  it('drops exact duplicates', () => {
    const notifier = new BleNotifier();
    const assembler = new BleFrameAssembler();
    const [first] = notifier.notify(frame(40, 1));
    const [second] = notifier.notify(frame(40, 2));
    const received = [first, first, second, second].flatMap((notification) => assembler.push(notification));
    expect(received).toEqual([frame(40, 1)]);
    expect(assembler.flush()).toEqual([frame(40, 2)]);
    expect(assembler.counts.duplicates).toBe(2);
  });

  it('counts a forward jump as a gap and drops the pending frame', () => {
    const notifier = new BleNotifier();
    const assembler = new BleFrameAssembler();
    const notifications = [frame(40, 1), frame(40, 2), frame(40, 3), frame(40, 4)].flatMap((each) => notifier.notify(each));
    const received = [notifications[0], notifications[3]].flatMap((notification) => assembler.push(notification));
    // Ids 1 and 2 are missing: the app cannot tell whether frame 0 was whole, so it drops it.
    expect(received).toEqual([]);
    expect(assembler.flush()).toEqual([frame(40, 4)]);
    expect(assembler.counts).toMatchObject({ gaps: 2, droppedFrames: 1, frames: 1 });
  });

  it('drops a late notification (a backward jump) and a frame whose fragment order broke', () => {
    const notifier = new BleNotifier(13);
    const assembler = new BleFrameAssembler();
    const notifications = [frame(25, 1), frame(25, 2)].flatMap((each) => notifier.notify(each));
    // Fragments 0,1,2 of frame one, 0,1,2 of frame two; fragment 1 of frame two swapped with fragment 2.
    const order = [0, 1, 2, 3, 5, 4];
    const received = order.flatMap((index) => assembler.push(notifications[index]));
    expect(received).toEqual([frame(25, 1)]);
    expect(assembler.flush()).toEqual([]);
    expect(assembler.counts).toMatchObject({ gaps: 1, late: 1, droppedFrames: 1, frames: 1 });
  });

  it('counts notifications too short for a header as malformed', () => {
    const assembler = new BleFrameAssembler();
    expect(assembler.push(Buffer.from([1, 2]))).toEqual([]);
    expect(assembler.counts.malformed).toBe(1);
  });
});
