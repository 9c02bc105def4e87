export { createAzureAdapter } from './azure-adapter';
export { azureDeploymentUrl } from './azure-api';
