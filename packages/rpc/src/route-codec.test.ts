import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { chatV1, routerV1 } from '@switchyard/proto';
import type { Deployment, ModelEntry, RoutePlan } from '@switchyard/shared';
import {
  deploymentFromProto,
  deploymentToProto,
  modelEntriesFromProto,
  modelEntriesToProto,
  routePlanFromProto,
  routePlanToProto,
} from './route-codec';

describe('route codec', () => {
  it('round-trips a deployment', () => {
    const deployment: Deployment = { id: 'openai/gpt-4o-mini', providerId: 'openai', model: 'gpt-4o-mini' };
    const bytes = toBinary(chatV1.DeploymentSchema, deploymentToProto(deployment));
    expect(deploymentFromProto(fromBinary(chatV1.DeploymentSchema, bytes))).toStrictEqual(deployment);
  });

  it.each<RoutePlan>([
    { requestedModel: 'fast', attempts: [] },
    {
      requestedModel: 'fast',
      attempts: [
        { deployment: { id: 'a/m1', providerId: 'a', model: 'm1' }, routePath: 'targets[0]' },
        { deployment: { id: 'b/m2', providerId: 'b', model: 'm2' }, routePath: 'targets[1].targets[0]' },
        { deployment: { id: 'c/m3', providerId: 'c', model: 'm3' }, routePath: '' },
      ],
    },
  ])('round-trips a route plan of $attempts.length attempts', (plan) => {
    const bytes = toBinary(routerV1.ResolveRouteResponseSchema, routePlanToProto(plan));
    expect(routePlanFromProto(fromBinary(routerV1.ResolveRouteResponseSchema, bytes))).toStrictEqual(plan);
  });

  it.each<{ models: ModelEntry[] }>([
    { models: [] },
    {
      models: [
        { id: 'gpt-4o-mini', ownedBy: 'openai' },
        { id: 'fast', ownedBy: 'switchyard' },
      ],
    },
  ])('round-trips a list of $models.length models', ({ models }) => {
    const bytes = toBinary(routerV1.ListModelsResponseSchema, modelEntriesToProto(models));
    expect(modelEntriesFromProto(fromBinary(routerV1.ListModelsResponseSchema, bytes))).toStrictEqual(models);
  });

  it('rejects an attempt without a deployment', () => {
    const message = create(routerV1.ResolveRouteResponseSchema, { attempts: [{ routePath: 'x' }] });
    expect(() => routePlanFromProto(message)).toThrow('attempts[0].deployment is missing');
  });
});
