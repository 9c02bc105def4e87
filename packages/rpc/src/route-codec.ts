import { create } from '@bufbuild/protobuf';
import { chatV1, routerV1 } from '@switchyard/proto';
import type { Deployment, ModelEntry, RoutePlan } from '@switchyard/shared';
import { required } from './proto-values';

export function deploymentToProto(deployment: Deployment): chatV1.Deployment {
  return create(chatV1.DeploymentSchema, { id: deployment.id, providerId: deployment.providerId, model: deployment.model });
}

export function deploymentFromProto(message: chatV1.Deployment | undefined, field = 'deployment'): Deployment {
  const { id, providerId, model } = required(message, field);
  return { id, providerId, model };
}

export function routePlanToProto(plan: RoutePlan): routerV1.ResolveRouteResponse {
  return create(routerV1.ResolveRouteResponseSchema, {
    requestedModel: plan.requestedModel,
    attempts: plan.attempts.map((attempt) => ({ deployment: deploymentToProto(attempt.deployment), routePath: attempt.routePath })),
  });
}

export function routePlanFromProto(message: routerV1.ResolveRouteResponse): RoutePlan {
  return {
    requestedModel: message.requestedModel,
    attempts: message.attempts.map((attempt, index) => ({
      deployment: deploymentFromProto(attempt.deployment, `attempts[${index}].deployment`),
      routePath: attempt.routePath,
    })),
  };
}

export function modelEntriesToProto(models: ModelEntry[]): routerV1.ListModelsResponse {
  return create(routerV1.ListModelsResponseSchema, { models: models.map(({ id, ownedBy }) => ({ id, ownedBy })) });
}

export function modelEntriesFromProto(message: routerV1.ListModelsResponse): ModelEntry[] {
  return message.models.map(({ id, ownedBy }) => ({ id, ownedBy }));
}
