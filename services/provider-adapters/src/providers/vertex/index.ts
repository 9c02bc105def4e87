export { createVertexAdapter, vertexBaseUrl } from './vertex-adapter';
