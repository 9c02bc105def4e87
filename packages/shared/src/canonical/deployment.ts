/** One model at one configured provider: the unit that a route plan is made of. */
export interface Deployment {
  /** Unique within the configuration, e.g. `openai/gpt-4o-mini`. */
  id: string;
  /** The id of a configured provider (see `providers` in the config file). */
  providerId: string;
  /** The model name the provider expects. */
  model: string;
}

/** The ordered deployments to try for one request. */
export interface RoutePlan {
  requestedModel: string;
  attempts: RouteAttempt[];
}

export interface RouteAttempt {
  deployment: Deployment;
  /** Where in the strategy tree this attempt came from, e.g. `targets[1].targets[0]`. */
  routePath: string;
}

export interface ModelEntry {
  id: string;
  ownedBy: string;
}
