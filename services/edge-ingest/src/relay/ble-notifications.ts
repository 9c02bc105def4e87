/**
 * The Dev Kit 2's Bluetooth framing and the phone app's reassembly of it.
 * Every notification is `[id_lo, id_hi, fragment_index, …payload]`; the 16-bit
 * id grows by one per notification and wraps; a frame longer than the
 * notification payload is split into fragments 0, 1, 2…, and a frame ends
 * when the next fragment 0 arrives.
 */

export const BLE_HEADER_BYTES = 3;
/** The notification size of a link with a 247-byte ATT MTU (244 bytes of value). */
export const DEFAULT_NOTIFICATION_BYTES = 244;

/** Splits codec frames into notifications the way the firmware's transport does. */
export class BleNotifier {
  private nextId: number;

  constructor(
    private readonly notificationBytes = DEFAULT_NOTIFICATION_BYTES,
    firstId = 0,
  ) {
    if (notificationBytes <= BLE_HEADER_BYTES) throw new RangeError(`notificationBytes must exceed ${BLE_HEADER_BYTES}`);
    this.nextId = firstId & 0xffff;
  }

  notify(frame: Uint8Array): Buffer[] {
    const payloadBytes = this.notificationBytes - BLE_HEADER_BYTES;
    const notifications: Buffer[] = [];
    let fragment = 0;
    for (let offset = 0; offset === 0 || offset < frame.length; offset += payloadBytes) {
      const chunk = frame.subarray(offset, offset + payloadBytes);
      const notification = Buffer.alloc(BLE_HEADER_BYTES + chunk.length);
      notification[0] = this.nextId & 0xff;
      notification[1] = this.nextId >> 8;
      notification[2] = fragment++;
      notification.set(chunk, BLE_HEADER_BYTES);
      notifications.push(notification);
      this.nextId = (this.nextId + 1) & 0xffff;
    }
    return notifications;
  }
}

/** What the reassembly saw, as the app counts it. */
export interface BleAssemblyCounts {
  notifications: number;
  frames: number;
  /** Exact repeats of the previous notification, dropped. */
  duplicates: number;
  /** Ids skipped by forward jumps of less than 0x8000 (lost notifications). */
  gaps: number;
  /** Notifications older than the last one (a backward jump), dropped. */
  late: number;
  /** Pending frames dropped because the id or fragment order broke. */
  droppedFrames: number;
  /** Notifications too short to carry a header. */
  malformed: number;
}

/**
 * The phone app's reassembly: it drops a pending frame when the id or the
 * fragment order breaks, drops exact duplicates, and counts a forward jump of
 * less than 0x8000 as a gap (a larger jump is a late, reordered notification).
 */
export class BleFrameAssembler {
  readonly counts: BleAssemblyCounts = { notifications: 0, frames: 0, duplicates: 0, gaps: 0, late: 0, droppedFrames: 0, malformed: 0 };
  private lastId = -1;
  private lastFragment = -1;
  private lastNotification: Buffer | undefined;
  private pending: Buffer[] | undefined;

  /** Takes one notification; returns the frames it completed (zero or one). */
  push(notification: Uint8Array): Buffer[] {
    this.counts.notifications++;
    if (notification.length < BLE_HEADER_BYTES) {
      this.counts.malformed++;
      return [];
    }
    const current = Buffer.from(notification);
    if (this.lastNotification?.equals(current)) {
      this.counts.duplicates++;
      return [];
    }
    const id = current[0] | (current[1] << 8);
    const fragment = current[2];
    const payload = current.subarray(BLE_HEADER_BYTES);
    if (this.lastId >= 0) {
      const step = (id - this.lastId) & 0xffff;
      if (step === 0 || step >= 0x8000) {
        // The same id with other bytes, or an older id: a reordered or corrupted notification.
        this.counts.late++;
        return [];
      }
      if (step > 1) {
        this.counts.gaps += step - 1;
        this.dropPending();
      }
    }
    this.lastNotification = current;
    this.lastId = id;
    const completed: Buffer[] = [];
    if (fragment === 0) {
      if (this.pending) completed.push(this.complete());
      this.pending = [payload];
    } else if (this.pending && fragment === this.lastFragment + 1) {
      this.pending.push(payload);
    } else {
      this.dropPending();
    }
    this.lastFragment = this.pending ? fragment : -1;
    return completed;
  }

  /** The pending frame at the end of a stream (the app sends it when the device stops). */
  flush(): Buffer[] {
    return this.pending ? [this.complete()] : [];
  }

  private complete(): Buffer {
    const frame = Buffer.concat(this.pending ?? []);
    this.pending = undefined;
    this.counts.frames++;
    return frame;
  }

  private dropPending(): void {
    if (this.pending) this.counts.droppedFrames++;
    this.pending = undefined;
    this.lastFragment = -1;
  }
}
