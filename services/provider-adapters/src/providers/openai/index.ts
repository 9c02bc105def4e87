export { createOpenAIAdapter, OPENAI_DEFAULT_BASE_URL } from './openai-adapter';
export { convertOpenAIResponse, convertOpenAIEmbeddingResponse } from './convert-openai-response';
export { convertToOpenAIRequest, convertToOpenAIEmbeddingRequest } from './convert-to-openai-request';
export { transformOpenAIStream, type OpenAIStreamOptions } from './openai-stream';
export { openAIHttpError, openAIInBandError } from './openai-error';
