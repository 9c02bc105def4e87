import type { ChatRequest, ExperimentAssigner, Principal } from '@switchyard/shared';
import { modelAllowed } from '../auth/authorize-request';
import type { RequestTelemetry } from '../telemetry/request-telemetry';

/**
 * A model A/B test on a chat request: when an experiment of the request's
 * workspace targets the model asked for, its arm's model replaces it before
 * routing, and the assignment is recorded with the request. Requests whose
 * prompt an experiment already assigned (`telemetry.experiment`) are left as
 * they are. A key that may not use the arm's model keeps the model it asked
 * for and stays out of the test (unrecorded): an arm is never a way around
 * a key's model scope, nor a reason to refuse a request the key may make.
 */
export function applyModelExperiment(
  experiments: ExperimentAssigner | undefined,
  telemetry: RequestTelemetry,
  chatRequest: ChatRequest,
  principal: Principal,
  requestId: string,
): void {
  if (experiments === undefined || telemetry.experiment !== undefined || telemetry.attribution === undefined) return;
  const { workspace, userId, sessionId } = telemetry.attribution;
  const user = telemetry.user || userId;
  const assignment = experiments.assign(
    workspace,
    { model: chatRequest.model },
    {
      ...(user ? { user } : {}),
      ...(sessionId ? { sessionId } : {}),
      requestId,
    },
  );
  if (assignment === undefined) return;
  if (assignment.model !== undefined && assignment.model !== chatRequest.model) {
    if (!modelAllowed(principal.scopes, assignment.model)) return;
    chatRequest.model = assignment.model;
  }
  telemetry.experiment = assignment;
}
