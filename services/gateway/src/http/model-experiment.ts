import type { ChatRequest, ExperimentAssigner, Principal } from '@switchyard/shared';
import { authorizeModel } from '../auth/authorize-request';
import type { RequestTelemetry } from '../telemetry/request-telemetry';

/**
 * A model A/B test on a chat request: when an experiment of the request's
 * workspace targets the model asked for, its arm's model replaces it before
 * routing, and the assignment is recorded with the request. Requests whose
 * prompt an experiment already assigned (`telemetry.experiment`) are left as
 * they are. The arm's model must be one the caller's key may use: an arm is
 * never a way around a key's model scope.
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
    authorizeModel(principal, assignment.model);
    chatRequest.model = assignment.model;
  }
  telemetry.experiment = assignment;
}
