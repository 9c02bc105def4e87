import { checkpointPayload, type AuditCheckpoint } from './audit-checkpoint';
import { GENESIS_HASH, hashAuditRecord, type AuditRecord } from './audit-record';
import type { CheckpointVerifier } from './checkpoint-signer';

/** Why a chain does not verify, at the first sequence number where it breaks. */
export type AuditProblemKind =
  /** A record's content no longer matches its hash, or the hash its successor carries. */
  | 'edited'
  /** A sequence number is absent. */
  | 'missing'
  /** Records are not in sequence order (an export whose lines were moved). */
  | 'out_of_order'
  /** A checkpoint's signature is wrong, or the chain's hash at its sequence differs from the signed one. */
  | 'checkpoint_mismatch'
  /** Records a signed checkpoint vouches for are gone from the end. */
  | 'truncated';

export interface AuditVerification {
  ok: boolean;
  /** Records read. */
  records: number;
  firstSequence: number | null;
  lastSequence: number | null;
  headHash: string | null;
  /** Checkpoints whose signature and head hash matched. */
  checkpointsVerified: number;
  /** Checkpoints not checked: no verifying key, or signed by another key. */
  checkpointsUnchecked: number;
  problem?: { kind: AuditProblemKind; sequence: number; message: string };
}

export interface VerifyOptions {
  /**
   * Whether the chain must start at record 1 (a whole database). An export
   * of a range starts later; its first record's `previousHash` is taken as given.
   */
  fromGenesis: boolean;
  /** Checks checkpoint signatures; without it checkpoints are counted as unchecked. */
  verifier?: CheckpointVerifier;
}

/**
 * Walks the records in the order they are stored (the database's sequence
 * order, or an export's line order) and names the first sequence number at
 * which the chain breaks:
 * - a record whose content was changed no longer hashes to its `hash`
 *   (or, if the hash was recomputed too, to its successor's `previousHash`);
 * - a deleted record leaves a gap in the sequence numbers;
 * - moved records arrive out of sequence order;
 * - a rewritten tail or cut-off end disagrees with a signed checkpoint.
 */
export async function verifyAuditChain(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  checkpoints: readonly AuditCheckpoint[],
  options: VerifyOptions,
): Promise<AuditVerification> {
  const result: AuditVerification = {
    ok: true,
    records: 0,
    firstSequence: null,
    lastSequence: null,
    headHash: null,
    checkpointsVerified: 0,
    checkpointsUnchecked: 0,
  };
  const fail = (kind: AuditProblemKind, sequence: number, message: string): AuditVerification => ({
    ...result,
    ok: false,
    problem: { kind, sequence, message },
  });

  // Checkpoints whose signature holds; their head hashes are compared as the walk passes them.
  const trusted = new Map<number, AuditCheckpoint>();
  for (const checkpoint of [...checkpoints].sort((a, b) => a.sequence - b.sequence)) {
    if (!options.verifier || checkpoint.keyId !== options.verifier.keyId) {
      result.checkpointsUnchecked += 1;
      continue;
    }
    if (!options.verifier.verify(checkpointPayload(checkpoint), checkpoint.signature)) {
      return fail('checkpoint_mismatch', checkpoint.sequence, `The checkpoint at sequence ${checkpoint.sequence} has an invalid signature.`);
    }
    trusted.set(checkpoint.sequence, checkpoint);
  }

  const iterator = toAsyncIterator(records);
  let lookahead = await iterator.next();
  let previous: AuditRecord | undefined;
  while (!lookahead.done) {
    const record = lookahead.value;
    lookahead = await iterator.next();
    const expected = previous ? previous.sequence + 1 : options.fromGenesis ? 1 : record.sequence;
    if (record.sequence !== expected) {
      if (record.sequence < expected) {
        return fail('out_of_order', record.sequence, `Record ${record.sequence} comes after record ${expected - 1}: the records were reordered.`);
      }
      // A gap: the missing record may simply have been moved further on.
      const moved = !lookahead.done && lookahead.value.sequence === expected;
      return moved
        ? fail('out_of_order', expected, `Record ${record.sequence} comes before record ${expected}: the records were reordered.`)
        : fail('missing', expected, `Record ${expected} is missing: the sequence jumps from ${expected - 1} to ${record.sequence}.`);
    }
    if (hashAuditRecord(record) !== record.hash) {
      return fail('edited', record.sequence, `Record ${record.sequence} does not match its hash: it was changed after it was written.`);
    }
    const previousHash = previous ? previous.hash : expected === 1 ? GENESIS_HASH : record.previousHash;
    if (record.previousHash !== previousHash) {
      // The previous record hashes to its own (recomputed) hash but not to what this one recorded of it.
      const changed = previous ? previous.sequence : record.sequence;
      return fail(
        'edited',
        changed,
        `Record ${changed} is not the record that record ${record.sequence} was chained to: it was changed and its hash recomputed.`,
      );
    }
    const checkpoint = trusted.get(record.sequence);
    if (checkpoint) {
      if (checkpoint.headHash !== record.hash) {
        return fail(
          'checkpoint_mismatch',
          record.sequence,
          `The chain's hash at record ${record.sequence} differs from the one signed at ${checkpoint.signedAt}: the records up to it were rewritten.`,
        );
      }
      result.checkpointsVerified += 1;
    }
    if (result.firstSequence === null) result.firstSequence = record.sequence;
    result.records += 1;
    result.lastSequence = record.sequence;
    result.headHash = record.hash;
    previous = record;
  }
  const lastSigned = Math.max(0, ...trusted.keys());
  if (lastSigned > (result.lastSequence ?? 0) && (options.fromGenesis || result.lastSequence !== null)) {
    const first = (result.lastSequence ?? 0) + 1;
    return fail('truncated', first, `Records ${first} to ${lastSigned} are missing: a signed checkpoint vouches for record ${lastSigned}.`);
  }
  return result;
}

function toAsyncIterator<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}
