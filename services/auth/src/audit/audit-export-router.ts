import express, { type Response, type Router } from 'express';
import type { SqlExecutor } from '@switchyard/database';
import { invalidRequest, type Logger, type Principal } from '@switchyard/shared';
import type { AdminActionReporter } from '../admin-api/admin-action-event';
import { can, principalLevel } from '../rbac/can';
import type { GovernanceStore } from '../storage/governance-store';
import { permissionDenied } from '../tokens/token-errors';
import { exportAuditJsonl } from './audit-export';
import type { AuditRecord } from './audit-record';
import { readAuditRecords, type AuditRange } from './sql-audit-log';

export interface AuditExportRouterOptions {
  /** The database holding `audit_records`. */
  client: SqlExecutor;
  /** Workspaces, to know which organization a record's workspace belongs to. */
  governance: GovernanceStore;
  logger?: Logger;
}

interface Locals {
  principal: Principal;
  reportAdminAction: AdminActionReporter;
}

/**
 * `GET /audit?from=&to=`: the audit trail as JSONL (`application/x-ndjson`).
 * The bootstrap token (a caller of no organization) gets the export of
 * `switchyard audit export`, checkpoints first, verifiable on its own
 * (`x-switchyard-audit-export: complete`). Anyone else holding `audit.read`
 * gets only the records they may read — those of their workspaces, and for
 * an organization-level role also the organization's records without a
 * workspace — without checkpoints (`x-switchyard-audit-export: filtered`):
 * each record still carries its hash and its predecessor's, but the chain
 * has gaps, so only a complete export verifies as a chain.
 */
export function createAuditExportRouter(options: AuditExportRouterOptions): Router {
  const router = express.Router();

  router.get('/audit', async (request, response) => {
    const { principal, reportAdminAction } = response.locals as Locals;
    for (const name of Object.keys(request.query))
      if (name !== 'from' && name !== 'to')
        throw invalidRequest(`Unknown parameter \`${name}\`; this operation takes \`from\`, \`to\`.`, name, 'unknown_field');
    const range: AuditRange = { fromTime: timeParameter(request.query.from, 'from'), toTime: timeParameter(request.query.to, 'to') };
    if (range.fromTime !== undefined && range.toTime !== undefined && range.fromTime > range.toTime)
      throw invalidRequest('`from` must not be after `to`.', 'from');

    const complete = principalLevel(principal) === 'global';
    const target = { type: 'audit' as const, id: 'audit_records', organization: principal.organization || undefined };
    let visible: ((record: AuditRecord) => boolean) | undefined;
    if (!complete) {
      const readable = new Set(
        (await options.governance.listWorkspaces(principal.organization))
          .filter((workspace) => can(principal, 'audit.read', { organization: workspace.organization, workspace: workspace.id }))
          .map((workspace) => workspace.id),
      );
      const organizationWide = can(principal, 'audit.read', { organization: principal.organization });
      if (readable.size === 0 && !organizationWide) {
        const reason = 'Your role does not allow `audit.read` in any workspace.';
        await reportAdminAction({ action: 'audit.read', outcome: 'denied', target, reason });
        throw permissionDenied(reason);
      }
      visible = (record) =>
        record.workspace === null ? organizationWide && record.actor.organization === principal.organization : readable.has(record.workspace);
    } else if (!can(principal, 'audit.read', {})) {
      throw permissionDenied('Your role does not allow `audit.read`.');
    }
    await reportAdminAction({
      action: 'audit.read',
      outcome: 'allowed',
      target,
      after: { from: request.query.from ?? null, to: request.query.to ?? null },
    });

    response
      .status(200)
      .type('application/x-ndjson')
      .setHeader('x-switchyard-audit-export', complete ? 'complete' : 'filtered');
    const write = (line: string) => writeLine(response, line);
    try {
      if (visible === undefined) await exportAuditJsonl(options.client, range, write);
      else for await (const record of readAuditRecords(options.client, range)) if (visible(record)) await write(`${JSON.stringify(record)}\n`);
      response.end();
    } catch (error) {
      // The status is sent: a cut connection is how the client learns that the export is incomplete.
      options.logger?.error({ err: error }, 'audit-export-failed');
      response.destroy();
    }
  });

  return router;
}

function timeParameter(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw invalidRequest(`\`${name}\` must be an ISO 8601 date or date-time such as 2026-12-01T00:00:00Z.`, name);
  return date;
}

/** Writes one line, waiting when the client reads slower than the export is produced. */
function writeLine(response: Response, line: string): Promise<void> | void {
  if (response.write(line)) return;
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      response.off('drain', onDrain);
      response.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the client went away during the audit export'));
    };
    response.on('drain', onDrain);
    response.on('close', onClose);
  });
}
