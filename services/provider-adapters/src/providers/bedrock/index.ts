export { createBedrockAdapter, defaultBedrockBaseUrl } from './bedrock-adapter';
