import type { Usage } from './usage';

export interface EmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
}

export interface EmbeddingResponse {
  model: string;
  data: { index: number; vector: number[] }[];
  usage: Usage;
}
