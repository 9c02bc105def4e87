import { create } from '@bufbuild/protobuf';
import { semanticV1 } from '@switchyard/proto';
import { internalError, type GuardrailReport, type VectorMatch, type VectorPayload, type VectorRecord } from '@switchyard/shared';

/** The semantic contracts' values to and from their `switchyard.semantic.v1` messages. */

export function vectorToProto(vector: Float32Array): semanticV1.Vector {
  return create(semanticV1.VectorSchema, { values: Array.from(vector) });
}

export function vectorFromProto(message: semanticV1.Vector | undefined): Float32Array {
  return Float32Array.from(message?.values ?? []);
}

export function payloadToProto(payload: VectorPayload): Record<string, semanticV1.PayloadValue> {
  const values: Record<string, semanticV1.PayloadValue> = {};
  for (const [key, value] of Object.entries(payload)) values[key] = payloadValueToProto(value);
  return values;
}

function payloadValueToProto(value: string | number | boolean): semanticV1.PayloadValue {
  switch (typeof value) {
    case 'string':
      return create(semanticV1.PayloadValueSchema, { kind: { case: 'stringValue', value } });
    case 'number':
      return create(semanticV1.PayloadValueSchema, { kind: { case: 'numberValue', value } });
    case 'boolean':
      return create(semanticV1.PayloadValueSchema, { kind: { case: 'boolValue', value } });
    default:
      throw internalError(`A vector payload value must be a string, a number or a boolean, not ${typeof value}.`);
  }
}

/** A payload value with no kind set (a newer sender's kind, say) is left out rather than guessed. */
export function payloadFromProto(values: Record<string, semanticV1.PayloadValue>): VectorPayload {
  const payload: VectorPayload = {};
  for (const [key, { kind }] of Object.entries(values)) {
    if (kind.case !== undefined) payload[key] = kind.value;
  }
  return payload;
}

export function vectorRecordToProto(record: VectorRecord): semanticV1.VectorRecord {
  return create(semanticV1.VectorRecordSchema, { id: record.id, vector: vectorToProto(record.vector), payload: payloadToProto(record.payload) });
}

export function vectorRecordFromProto(message: semanticV1.VectorRecord): VectorRecord {
  return { id: message.id, vector: vectorFromProto(message.vector), payload: payloadFromProto(message.payload) };
}

export function vectorMatchToProto(match: VectorMatch): semanticV1.VectorMatch {
  return create(semanticV1.VectorMatchSchema, { id: match.id, score: match.score, payload: payloadToProto(match.payload) });
}

export function vectorMatchFromProto(message: semanticV1.VectorMatch): VectorMatch {
  return { id: message.id, score: message.score, payload: payloadFromProto(message.payload) };
}

export function guardrailReportToProto(report: GuardrailReport): semanticV1.CheckGuardrailsResponse {
  return create(semanticV1.CheckGuardrailsResponseSchema, {
    ...(report.pii && { pii: { findings: report.pii.map((finding) => ({ ...finding })) } }),
    ...(report.injection && { injection: { ...report.injection } }),
    ...(report.topics && { topics: { ...report.topics } }),
  });
}

export function guardrailReportFromProto(message: semanticV1.CheckGuardrailsResponse): GuardrailReport {
  const report: GuardrailReport = {};
  if (message.pii) report.pii = message.pii.findings.map(({ type, start, end, score }) => ({ type, start, end, score }));
  if (message.injection) report.injection = { score: message.injection.score, flagged: message.injection.flagged };
  if (message.topics) {
    const { flagged, topic, score } = message.topics;
    report.topics = { flagged, ...(topic !== undefined && { topic }), score };
  }
  return report;
}
